"""The site's URLs with the programme rules' pages mounted as integration will mount them (until then)."""

from django.urls import include, path

from shequ.urls import urlpatterns as site

urlpatterns = [path("programmes/rules/", include("shequ.programmes.common.rules_urls")), *site]

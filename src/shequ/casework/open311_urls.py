"""Open311 GeoReport v2 at /open311/v2/ (``casework.open311``; docs/open311.md). Every resource ends in its
format (only ``.json`` is offered); any other address here is the spec's 404, not the site's page."""

from django.urls import URLPattern, URLResolver, re_path

from . import open311 as views

app_name = "open311"
_FMT = r"\.(?P<fmt>[A-Za-z0-9]{1,10})$"
urlpatterns: list[URLPattern | URLResolver] = [
    re_path(r"^discovery" + _FMT, views.discovery, name="discovery"),
    re_path(r"^services" + _FMT, views.service_list, name="services"),
    re_path(r"^services/(?P<code>[^/]{1,100})" + _FMT, views.service_definition, name="service"),
    re_path(r"^requests" + _FMT, views.requests, name="requests"),
    re_path(r"^requests/(?P<number>[^/]{1,100})" + _FMT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<value>[^/]{1,100})" + _FMT, views.token, name="token"),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not_found"),
]

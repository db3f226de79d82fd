"""The site's URLs with home care's API mounted where the root API will mount it (/api/programmes/
homecare/), for the home-care tests until the root API includes the router; then simply the site's."""

from django.urls import path
from ninja import NinjaAPI
from ninja.security import django_auth

from shequ import api as root
from shequ.programmes.homecare.api import router
from shequ.urls import urlpatterns as site

urlpatterns = list(site)
if getattr(router, "api", None) is None:
    api = NinjaAPI(auth=django_auth, urls_namespace="homecare_test_api")
    for error, handler in (
        (root.ValidationError, root.validation_error),
        (root.Http404, root.not_found),
        (root.AuthenticationError, root.unauthenticated),
    ):
        api.add_exception_handler(error, lambda request, exc, handler=handler: handler(request, exc))
    api.add_router("/", router)
    urlpatterns.insert(0, path("api/programmes/homecare/", api.urls))

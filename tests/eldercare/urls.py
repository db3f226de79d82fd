"""The site's URLs with the programme rules' pages and the eldercare API mounted as integration will mount
them (until then; once mounted, the site's own are used)."""

from django.urls import include, path

from shequ.programmes.eldercare.api import router
from shequ.urls import urlpatterns as site

urlpatterns = [path("programmes/rules/", include("shequ.programmes.common.rules_urls"))]
if getattr(router, "api", None) is None:
    from ninja import NinjaAPI

    from shequ.api import api as site_api

    test_api = NinjaAPI(auth=site_api.auth, urls_namespace="eldercare_api", docs_url=None, openapi_url=None)
    for exception, handler in site_api._exception_handlers.items():
        test_api.add_exception_handler(exception, handler)
    test_api.add_router("/programmes/eldercare/", router)
    urlpatterns.append(path("api/", test_api.urls))
urlpatterns += site

"""The site's URLs with home care's API on the one root API at /api/programmes/homecare/, as the
assembly will mount it (harmless once it does): what the matrix's rows need to reach it."""

from ninja.errors import ConfigError

from shequ.api import api
from shequ.programmes.homecare.api import router

if all(mounted is not router for _prefix, mounted in api._routers):
    try:
        api.add_router("/programmes/homecare/", router)
    except ConfigError:  # the API's URLs were built already
        pass

from shequ.urls import urlpatterns as _site  # noqa: E402  (after the router is added)

urlpatterns = list(_site)
handler403 = "shequ.web.errors.permission_denied"
handler404 = "shequ.web.errors.page_not_found"
handler500 = "shequ.web.errors.server_error"

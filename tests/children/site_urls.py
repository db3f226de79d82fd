"""The site's URLs with the children's pages and API mounted as the assembly mounts them
(``/programmes/children/``, ``/api/programmes/children/``), whether or not it does yet."""

from django.urls import include, path
from ninja.errors import ConfigError

from shequ.api import api
from shequ.programmes.children.api import router

if all(mounted is not router for _prefix, mounted in api._routers):
    try:
        api.add_router("/programmes/children/", router)
    except ConfigError:  # the API's URLs were built already: it is mounted there or not at all
        pass

from shequ.urls import urlpatterns as _site  # noqa: E402  (after the router is added)

urlpatterns = list(_site)
if not any(str(p.pattern) == "programmes/children/" for p in urlpatterns):
    urlpatterns.insert(0, path("programmes/children/", include("shequ.programmes.children.urls")))
handler403 = "shequ.web.errors.permission_denied"
handler404 = "shequ.web.errors.page_not_found"
handler500 = "shequ.web.errors.server_error"

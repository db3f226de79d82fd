"""The site's addresses with mutual-aid care's pages and API added (see ``mount.py``)."""

from django.urls import include, path

from shequ.api import api
from shequ.programmes.volunteers.api import router
from shequ.urls import urlpatterns as site

if not any(r is router for _prefix, r in api._routers):
    # Test scaffolding only: the site's urls were generated already, and ninja adds no router after that.
    api._bound_routers_cache = None
    api.add_router("/programmes/volunteers/", router)

urlpatterns = [
    path("programmes/volunteers/", include("shequ.programmes.volunteers.urls")),  # first match: one mount
    path("api/", api.urls),
    *site,
]
handler403 = "shequ.web.errors.permission_denied"
handler404 = "shequ.web.errors.page_not_found"
handler500 = "shequ.web.errors.server_error"

"""The site's addresses: each app owns its own urls.py; this file only mounts them."""

from django.urls import include, path
from django.views.i18n import set_language

from shequ.accounts import views as account_views
from shequ.api import api
from shequ.web import errors
from shequ.web import views as web_views

urlpatterns = [
    path("", web_views.home, name="home"),
    path("accounts/login/", account_views.sign_in, name="login"),
    path("accounts/logout/", account_views.sign_out, name="logout"),
    path("accounts/", include("shequ.accounts.urls")),
    path("areas/", include("shequ.areas.urls")),
    path("audit/", include("shequ.audit.urls")),
    path("privacy/", include("shequ.privacy.urls")),
    path("reference/", include("shequ.reference.urls")),
    path("residents/", include("shequ.residents.urls")),
    path("resources/", include("shequ.resources.urls")),
    path("imports/", include("shequ.imports.urls")),
    path("cases/catalogue/", include("shequ.casework.catalogue_urls")),
    path("cases/keys/", include("shequ.casework.apikey_urls")),
    path("cases/", include("shequ.casework.staff_urls")),
    path("open311/v2/", include("shequ.casework.open311_urls")),
    path("programmes/homecare/", include("shequ.programmes.homecare.urls")),
    path("programmes/eldercare/", include("shequ.programmes.eldercare.urls")),
    path("programmes/children/", include("shequ.programmes.children.urls")),
    path("programmes/volunteers/", include("shequ.programmes.volunteers.urls")),
    path("programmes/rules/", include("shequ.programmes.common.rules_urls")),
    path("programmes/", include("shequ.programmes.common.urls")),
    path("portal/cases/", include("shequ.portal.case_urls")),
    path("portal/", include("shequ.portal.urls")),
    path("outbox/", include("shequ.outbox.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", api.urls),
]

handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error

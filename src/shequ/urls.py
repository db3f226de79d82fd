from django.urls import include, path
from django.views.i18n import set_language

from shequ.accounts import views as account_views
from shequ.accounts.models import User
from shequ.api import api
from shequ.areas import views as area_views
from shequ.audit import views as audit_views
from shequ.privacy.views import reveal_view
from shequ.registry import views as registry_views
from shequ.registry.models import Person
from shequ.web import views as web_views

areas_patterns = (
    [
        path("", area_views.browse, name="browse"),
        path("search/", area_views.search, name="search"),
        path("<str:code>/", area_views.detail, name="detail"),
        path("<str:code>/grids/new/", area_views.grid_create, name="grid_create"),
        path("grids/<str:code>/edit/", area_views.grid_edit, name="grid_edit"),
    ],
    "areas",
)

accounts_patterns = (
    [
        path("me/", account_views.profile, name="profile"),
        path("<int:pk>/reveal/", reveal_view(User, "accounts:reveal"), name="reveal"),
        path("manage/", account_views.manage, name="manage"),
        path("manage/<int:user_id>/", account_views.detail, name="detail"),
    ],
    "accounts",
)

registry_patterns = (
    [
        path("residents/", registry_views.resident_list, name="residents"),
        path("residents/new/", registry_views.resident_new, name="resident_new"),
        path("residents/export/", registry_views.resident_export, name="export"),
        path("residents/<int:person_id>/", registry_views.resident_detail, name="resident"),
        path("residents/<int:pk>/reveal/", reveal_view(Person, "registry:reveal"), name="reveal"),
        path("residents/<int:person_id>/leave/", registry_views.resident_leave, name="leave"),
        path("residents/<int:person_id>/tags/", registry_views.resident_tag_add, name="tag_add"),
        path("households/<int:household_id>/", registry_views.household_detail, name="household"),
        path("imports/", registry_views.imports, name="imports"),
        path("imports/template/", registry_views.import_template, name="import_template"),
        path("imports/<int:job_id>/", registry_views.import_job, name="import_job"),
        path("imports/<int:job_id>/report/", registry_views.import_report, name="import_report"),
        path("digitisation/", registry_views.digitisation, name="digitisation"),
        path("facilities/", registry_views.facility_map, name="facilities"),
        path("facility-types/", registry_views.facility_types, name="facility_types"),
    ],
    "registry",
)

urlpatterns = [
    path("", web_views.home, name="home"),
    path("accounts/login/", account_views.sign_in, name="login"),
    path("accounts/logout/", account_views.sign_out, name="logout"),
    path("accounts/", include(accounts_patterns)),
    path("areas/", include(areas_patterns)),
    path("audit/", audit_views.events, name="audit_events"),
    path("registry/", include(registry_patterns)),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", api.urls),
]

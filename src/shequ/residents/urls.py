from django.urls import path

from shequ.privacy.views import reveal_view

from . import views
from .models import Person

app_name = "residents"
urlpatterns = [
    path("", views.resident_list, name="residents"),
    path("new/", views.resident_new, name="resident_new"),
    path("export/", views.resident_export, name="export"),
    path("digitisation/", views.digitisation, name="digitisation"),
    path("households/<int:household_id>/", views.household_detail, name="household"),
    path("moves/", views.move_list, name="moves"),
    path("moves/<int:request_id>/", views.move_decide, name="move_decide"),
    path("<int:person_id>/", views.resident_detail, name="resident"),
    path("<int:person_id>/edit/", views.resident_edit, name="resident_edit"),
    path("<int:pk>/reveal/", reveal_view(Person, "residents:reveal"), name="reveal"),
    path("<int:person_id>/leave/", views.resident_form, {"action": "leave"}, name="leave"),
    path("<int:person_id>/tags/", views.resident_form, {"action": "tag_add"}, name="tag_add"),
]

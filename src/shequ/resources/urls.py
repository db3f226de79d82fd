from django.urls import path

from . import views

app_name = "resources"
urlpatterns = [
    path("facilities/", views.facility_map, name="facilities"),
    path("facilities/<int:facility_id>/", views.facility_detail, name="facility"),
]

from django.urls import path

from . import views

app_name = "reference"
urlpatterns = [
    path("facility-types/", views.facility_types, name="facility_types"),
]

from django.urls import path

from . import views

app_name = "reference"
urlpatterns = [
    path("facility-types/", views.facility_types, name="facility_types"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/<int:year>/", views.calendar_year, name="calendar_year"),
    path("calendar/<int:year>/day/", views.calendar_day, name="calendar_day"),
    path("calendar/<int:year>/official/", views.calendar_official, name="calendar_official"),
]

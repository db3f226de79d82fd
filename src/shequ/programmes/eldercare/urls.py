"""The eldercare pages, at /programmes/eldercare/."""

from django.urls import URLPattern, path

from . import views

app_name = "eldercare"
urlpatterns: list[URLPattern] = [
    path("visits/", views.visits, name="visits"),
    path("visits/overdue/", views.overdue, name="overdue"),
    path("visits/<int:visit_id>/", views.visit, name="visit"),
    path("services/", views.service_list, name="service_list"),
    path("retrofits/", views.retrofits, name="retrofits"),
    path("retrofits/start/", views.retrofit_start, name="retrofit_start"),
    path("retrofits/target/", views.retrofit_target, name="retrofit_target"),
    path("retrofits/<int:project_id>/", views.retrofit, name="retrofit"),
    path("retrofits/<int:project_id>/stage/", views.retrofit_stage, name="retrofit_stage"),
    path("retrofits/<int:project_id>/photos/", views.retrofit_photo, name="retrofit_photo"),
    path("retrofits/photos/<int:photo_id>/", views.retrofit_photo_file, name="retrofit_photo_file"),
    path("beds/", views.beds, name="beds"),
    path("beds/new/", views.bed_new, name="bed_new"),
    path("beds/<int:bed_id>/", views.bed, name="bed"),
    path("beds/<int:bed_id>/visits/", views.bed_visit, name="bed_visit"),
    path("beds/<int:bed_id>/plan/", views.bed_plan, name="bed_plan"),
    path("figures/", views.figures, name="figures"),
]

"""The programme core's pages, at /programmes/ (each programme app mounts its own under it)."""

from django.urls import URLPattern, path

from . import views

app_name = "programmes"
urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("people/<int:person_id>/", views.person, name="person"),
    path("enrolments/<int:enrolment_id>/", views.enrolment, name="enrolment"),
    path("enrolments/<int:enrolment_id>/change/", views.enrolment_change, name="change"),
    path("enrolments/<int:enrolment_id>/review/", views.enrolment_review, name="review"),
    path("enrolments/<int:enrolment_id>/carer/", views.carer, name="carer"),
    path("p/<slug:code>/", views.programme, name="programme"),
    path("p/<slug:code>/candidates/", views.candidates, name="candidates"),
    path("p/<slug:code>/enrol/", views.enrol, name="enrol"),
    path("p/<slug:code>/figures/", views.figures, name="figures"),
]

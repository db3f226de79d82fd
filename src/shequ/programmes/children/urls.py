"""The children's pages, mounted at /programmes/children/."""

from django.urls import URLPattern, path

from . import views

app_name = "children"
urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("lacking-visits/", views.lacking, name="lacking"),
    path("children/<int:enrolment_id>/", views.child, name="child"),
    path("children/<int:enrolment_id>/assess/", views.assess, name="assess"),
    path("visits/", views.visits, name="visits"),
    path("visits/<int:visit_id>/", views.visit, name="visit"),
    path("targets/", views.targets, name="targets"),
]

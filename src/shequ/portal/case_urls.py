"""The residents' case pages, /portal/cases/ (``portal_cases:…``)."""

from django.urls import URLPattern, URLResolver, path

from . import case_views as views

app_name = "portal_cases"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.case_list, name="list"),
    path("items/", views.items, name="items"),
    path("apply/<slug:code>/", views.apply, name="apply"),
    path("<int:case_id>/", views.case_detail, name="case"),
    path("<int:case_id>/files/", views.upload, name="upload"),
    path("<int:case_id>/files/<int:attachment_id>/", views.download, name="download"),
    path("<int:case_id>/supply/", views.supply, name="supply"),
    path("<int:case_id>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:case_id>/rate/", views.rate, name="rate"),
]

"""The service catalogue's pages, at /cases/catalogue/."""

from django.urls import URLPattern, URLResolver, path

from . import catalogue_views as views

app_name = "casework_catalogue"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.item_list, name="items"),
    path("new/", views.item_new, name="item_new"),
    path("<slug:code>/", views.item_detail, name="item"),
    path("<slug:code>/edit/", views.item_edit, name="item_edit"),
]

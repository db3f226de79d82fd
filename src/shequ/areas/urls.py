from django.urls import path

from . import views

app_name = "areas"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("search/", views.search, name="search"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/grids/new/", views.grid_create, name="grid_create"),
    path("grids/<str:code>/edit/", views.grid_edit, name="grid_edit"),
]

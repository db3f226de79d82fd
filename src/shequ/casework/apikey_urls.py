"""The Open311 API keys' pages, at /cases/keys/ (the city administrator's)."""

from django.urls import URLPattern, URLResolver, path

from . import apikey_views as views

app_name = "casework_keys"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.key_list, name="keys"),
    path("new/", views.key_new, name="key_new"),
    path("<int:key_id>/revoke/", views.key_revoke, name="key_revoke"),
]

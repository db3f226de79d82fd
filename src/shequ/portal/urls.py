"""The resident portal under /portal/: sign-in and home here; the residents' case pages (/portal/cases/)
are added beside them."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "portal"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("login/", views.sign_in, name="login"),
    path("logout/", views.sign_out, name="logout"),
]

from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("reveal-reasons/", views.reveal_reasons, name="reveal_reasons"),
]

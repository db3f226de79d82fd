from django.urls import path

from . import views

app_name = "outbox"
urlpatterns = [
    path("dev/", views.dev_outbox, name="dev"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.mark_read, name="read_all"),
    path("inbox/<int:message_id>/read/", views.mark_read, name="read"),
]

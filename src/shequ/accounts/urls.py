from django.urls import path

from shequ.privacy.views import reveal_view

from . import views
from .models import User

app_name = "accounts"
urlpatterns = [
    path("me/", views.profile, name="profile"),
    path("password/", views.password_change, name="password"),
    path("<int:pk>/reveal/", reveal_view(User, "accounts:reveal"), name="reveal"),
    path("manage/", views.manage, name="manage"),
    path("manage/<int:user_id>/", views.detail, name="detail"),
    path("manage/requests/<int:request_id>/", views.decide, name="decide"),
]

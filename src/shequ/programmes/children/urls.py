from django.urls import URLPattern

app_name = "children"
urlpatterns: list[URLPattern] = []

from django.urls import URLPattern

app_name = "eldercare"
urlpatterns: list[URLPattern] = []

from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("jobs/<int:job_id>/", views.job, name="job"),
    path("jobs/<int:job_id>/report/", views.report, name="report"),
    path("jobs/<int:job_id>/retry/", views.retry, name="retry"),
    path("<slug:kind>/", views.upload, name="upload"),
    path("<slug:kind>/template/", views.template, name="template"),
]

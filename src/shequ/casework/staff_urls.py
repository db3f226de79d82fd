"""The staff pages of casework, at /cases/ (the catalogue and the API keys have their own, mounted first)."""

from django.urls import URLPattern, URLResolver, path

from . import staff_views as views

app_name = "casework"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.queue, name="queue"),
    path("new/", views.case_new, name="file"),
    path("figures/", views.figures, name="figures"),
    path("files/<int:attachment_id>/", views.attachment, name="attachment"),
    path("<int:case_id>/", views.case_detail, name="case"),
    path("<int:case_id>/take/", views.take, name="take"),
    path("<int:case_id>/release/", views.release, name="release"),
    path("<int:case_id>/act/", views.act, name="act"),
    path("<int:case_id>/attach/", views.attach, name="attach"),
    path("<int:case_id>/visit/", views.visit, name="visit"),
    path("<int:case_id>/print/<slug:document>/", views.print_document, name="print"),
]

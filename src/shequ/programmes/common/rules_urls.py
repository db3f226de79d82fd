"""The administrator's pages for the programmes' rules (mounted at /programmes/rules/)."""

from django.urls import URLPattern, path

from . import rules_views as views

app_name = "programme_rules"
urlpatterns: list[URLPattern] = [
    path("", views.programmes, name="programmes"),
    path("<slug:code>/", views.programme, name="programme"),
    path("<slug:code>/edit/", views.programme_edit, name="programme_edit"),
    path("<slug:code>/benefits/new/", views.benefit_new, name="benefit_new"),
    path("<slug:code>/benefits/<slug:benefit>/edit/", views.benefit_edit, name="benefit_edit"),
    path("<slug:code>/rules/<slug:kind>/new/", views.rule_new, name="rule_new"),
    path("<slug:code>/rules/<slug:kind>/<int:rule_id>/edit/", views.rule_edit, name="rule_edit"),
    path("<slug:code>/rules/<slug:kind>/<int:rule_id>/end/", views.rule_end, name="rule_end"),
]

"""Mutual-aid care's pages, /programmes/volunteers/ (``volunteers:…``): the staff's, and the residents'
under portal/."""

from django.urls import URLPattern, path

from . import views

app_name = "volunteers"
urlpatterns: list[URLPattern] = [
    path("", views.volunteer_list, name="volunteers"),
    path("<int:volunteer_id>/", views.volunteer_detail, name="volunteer"),
    path("<int:volunteer_id>/decide/", views.decide, name="decide"),
    path("<int:volunteer_id>/redeem/", views.redeem, name="redeem"),
    path("<int:volunteer_id>/certificate/", views.certificate, name="certificate"),
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/new/", views.task_new, name="task_new"),
    path("tasks/<int:task_id>/", views.task_detail, name="task"),
    path("tasks/<int:task_id>/confirm/", views.confirm, name="confirm"),
    path("tasks/<int:task_id>/cancel/", views.cancel, name="cancel"),
    path("pending/", views.pending, name="pending"),
    path("figures/", views.figures, name="figures"),
    path("service-types/", views.service_types, name="service_types"),
    path("portal/", views.portal_home, name="portal"),
    path("portal/register/", views.register, name="register"),
    path("portal/request/", views.portal_post, name="portal_post"),
    path("portal/tasks/<int:task_id>/", views.portal_task, name="portal_task"),
    path("portal/tasks/<int:task_id>/take/", views.take, name="take"),
    path("portal/tasks/<int:task_id>/release/", views.release, name="release"),
    path("portal/tasks/<int:task_id>/complete/", views.complete, name="complete"),
    path("portal/tasks/<int:task_id>/confirm/", views.portal_confirm, name="portal_confirm"),
    path("portal/tasks/<int:task_id>/pay/", views.pay, name="pay"),
    path("portal/account/<int:volunteer_id>/", views.portal_account, name="account"),
    path("portal/account/<int:volunteer_id>/certificate/", views.portal_certificate, name="portal_certificate"),
]

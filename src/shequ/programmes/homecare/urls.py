"""Home care's pages, mounted at /programmes/homecare/."""

from django.urls import path

from . import views

app_name = "homecare"
urlpatterns = [
    path("orders/", views.orders, name="orders"),
    path("orders/new/", views.order_new, name="order_new"),
    path("orders/<int:order_id>/", views.order, name="order"),
    path("orders/<int:order_id>/dispatch/", views.order_dispatch, name="order_dispatch"),
    path("enrolments/<int:enrolment_id>/provider/", views.contract, name="contract"),
    path("applications/", views.applications, name="applications"),
    path("figures/", views.figures, name="figures"),
    path("figures/target/", views.target, name="target"),
    path("providers/", views.providers, name="providers"),
    path("providers/new/", views.provider_new, name="provider_new"),
    path("providers/accounts/", views.provider_link, name="provider_link"),
    path("service-types/", views.service_types, name="service_types"),
    path("phone/", views.phone, name="phone"),
    path("phone/<int:order_id>/accept/", views.accept, name="accept"),
    path("phone/<int:order_id>/checkin/", views.checkin, name="checkin"),
    path("phone/<int:order_id>/checkout/", views.checkout, name="checkout"),
    path("my/", views.family, name="family"),
    path("my/request/", views.family_request, name="request"),
    path("my/apply/", views.apply, name="apply"),
    path("my/call/", views.call, name="call"),
    path("my/orders/<int:order_id>/rate/", views.rate, name="rate"),
    path("my/orders/<int:order_id>/complain/", views.complain, name="complain"),
    path("calls/", views.calls, name="calls"),
    path("calls/<int:call_id>/acknowledge/", views.call_acknowledge, name="call_acknowledge"),
]

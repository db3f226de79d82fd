"""Home care's pages: the staff's orders, dispatch, figures and coverage; providers and service types; the
provider's phone page (offered orders, mine, accept, check in, check out); the family's page in the
residents' portal (hours, orders, a request, the rating, a complaint, the application and the emergency
button); the emergency calls a responder acknowledges. Thin: reads are selectors, writes services; a
page a role may never open is a 403, a row out of reach a 404."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.accounts.models import User
from shequ.accounts.roles import Role
from shequ.casework import services as casework
from shequ.lib.capabilities import Capability
from shequ.lib.feedback import join_messages
from shequ.lib.scoping import granted_paths

from . import access, selectors, services
from .models import HomeCareOrder, OrderState

View = Callable[..., HttpResponseBase]


def _guard(allowed: Callable[[User], bool], login: str = "login") -> Callable[[View], View]:
    """Signed in (else to sign-in), and ``allowed`` (else 403: a page this role never opens)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse(login))
            if not allowed(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


staff_only = _guard(access.is_staff)
provider_only = _guard(lambda u: access.provider_of(u) is not None)
resident_only = _guard(access.is_resident, login="portal:login")
registrar_only = _guard(lambda u: access.may_register_providers(u) or access.may_link_accounts(u))
types_editor = _guard(lambda u: access.may_link_accounts(u) and bool(u.grants.filter(role=Role.CITY_ADMIN).exists()))
responder_only = _guard(lambda u: access.provider_of(u) is not None or bool(granted_paths(u, Capability.CASE_HANDLE)))
anyone = _guard(lambda u: True)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _flash(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, join_messages([str(m) for m in error.messages]))


def _do(request: HttpRequest, work: Callable[[], object], success: str, back: str) -> HttpResponseBase:
    try:
        work()
    except ValidationError as error:
        _flash(request, error)
    else:
        messages.success(request, success)
    return redirect(back)


def _float(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return None


# ---- staff --------------------------------------------------------------------------------------------


@require_GET
@staff_only
def orders(request: HttpRequest) -> HttpResponse:
    actor = _user(request)
    state = request.GET.get("state", "")
    state = state if state in OrderState.values else ""
    rows = selectors.staff_orders(actor=actor, state=state)[:200]
    return render(
        request,
        "homecare/staff_orders.html",
        {
            "rows": rows,
            "state": state,
            "states": OrderState.choices,
            "enrolments": selectors.enrolments_for_orders(actor=actor)[:200],
            "service_types": selectors.service_types(),
        },
    )


@require_http_methods(["GET", "POST"])
@staff_only
def order_new(request: HttpRequest) -> HttpResponseBase:
    """Staff who run an enrolment order a visit (and offer it at once); GET shows the form."""
    actor = _user(request)
    if request.method == "GET":
        return render(
            request,
            "homecare/staff_order_new.html",
            {
                "enrolments": selectors.enrolments_for_orders(actor=actor)[:200],
                "service_types": selectors.service_types(),
            },
        )
    try:
        order = _create(request, actor)
        services.order_dispatch(actor=actor, order_id=order.pk)
    except ValidationError as error:
        _flash(request, error)
        return redirect("homecare:orders")
    messages.success(request, _("The order was created and offered to the providers."))
    return redirect("homecare:order", order_id=order.pk)


def _create(request: HttpRequest, actor: User) -> HomeCareOrder:
    start = parse_datetime(request.POST.get("scheduled_start", "") or "")
    if start is None:
        raise ValidationError({"scheduled_start": _("Give the date and time of the visit.")})
    try:
        enrolment_id, minutes = int(request.POST.get("enrolment", "")), int(request.POST.get("planned_minutes", ""))
    except ValueError:
        raise ValidationError({"planned_minutes": _("Give the elder and the minutes planned.")}) from None
    return services.order_create(
        actor=actor,
        enrolment_id=enrolment_id,
        service_type_code=request.POST.get("service_type", ""),
        scheduled_start=start,
        planned_minutes=minutes,
        note=request.POST.get("note", ""),
    )


@require_GET
@anyone
def order(request: HttpRequest, order_id: int) -> HttpResponse:
    actor = _user(request)
    found = selectors.order_get(actor=actor, order_id=order_id)
    provider = access.provider_of(actor)
    template = "homecare/order.html"
    return render(
        request,
        template,
        {
            "order": found,
            "hours": selectors.hours_of(found.enrolment, timezone.localdate(found.scheduled_start)),
            "offers": found.offers.select_related("provider__entity"),
            "is_provider": provider is not None,
            "may_dispatch": access.is_staff(actor)
            and access.may_manage(actor, found)
            and found.state in (OrderState.NEW, OrderState.OFFERED),
            "base": "portal/base_portal.html" if access.is_resident(actor) else "base.html",
            "may_contract": access.is_staff(actor) and access.may_manage(actor, found),
            "covering": services.covering_providers(found) if access.is_staff(actor) else [],
        },
    )


@require_http_methods(["GET", "POST"])
@staff_only
def applications(request: HttpRequest) -> HttpResponseBase:
    """The eligible elders not yet enrolled (the staff's reach), and filing an application for one by
    community proxy (社区代办): the application is a case; approving it enrols the elder."""
    actor = _user(request)
    if request.method == "POST":
        try:
            person_id = int(request.POST.get("person", ""))
        except ValueError:
            person_id = 0
        try:
            case = casework.case_file(
                actor=actor,
                channel="proxy",
                filing=casework.Filing(
                    kind=services.APPLICATION_KIND, applicant_id=person_id, description=_("Home care")
                ),
                consent_method=request.POST.get("consent_method", ""),
                proxy_reason=request.POST.get("proxy_reason", ""),
            )
        except ValidationError as error:
            _flash(request, error)
            return redirect("homecare:applications")
        messages.success(request, _("The application was filed: approve it here to enrol the elder."))
        return redirect("casework:case", case_id=case.pk)
    return render(
        request,
        "homecare/applications.html",
        {
            "candidates": selectors.candidates(actor=actor)[:100],
            "consent_methods": casework.CONSENT_METHODS.items(),
        },
    )


@require_POST
@staff_only
def contract(request: HttpRequest, enrolment_id: int) -> HttpResponseBase:
    """Name the elder's contracted provider (from an order's page, which it returns to)."""
    actor = _user(request)
    try:
        provider_id = int(request.POST["provider"]) if request.POST.get("provider") else None
    except ValueError:
        provider_id = None
    back = request.POST.get("order", "")
    return _do(
        request,
        lambda: services.enrolment_contract(actor=actor, enrolment_id=enrolment_id, provider_id=provider_id),
        _("Saved."),
        reverse("homecare:order", args=[int(back)]) if back.isdigit() else reverse("homecare:orders"),
    )


@require_POST
@staff_only
def order_dispatch(request: HttpRequest, order_id: int) -> HttpResponseBase:
    actor = _user(request)
    return _do(
        request,
        lambda: services.order_dispatch(actor=actor, order_id=order_id),
        _("The order was offered to the providers."),
        reverse("homecare:order", args=[order_id]),
    )


@require_GET
@staff_only
def figures(request: HttpRequest) -> HttpResponse:
    actor = _user(request)
    area = selectors.staff_area(actor, request.GET.get("area", ""))
    month = selectors.month_of(request.GET.get("month"))
    total, rows = selectors.coverage_rows(area, month)
    target = selectors.coverage_target(month)
    providers = selectors.provider_figures(selectors.access.staff_orders(actor), month)
    calls = selectors.response_figures(selectors.staff_calls(actor=actor), month)
    chart = {
        "categories": [r.area.name for r in rows],
        "series": [{"name": _("Communities covered (%)"), "data": [r.percent for r in rows]}],
        "unit": "%",
        "target": float(target.percent) if target else None,
        "target_label": _("Target"),
    }
    return render(
        request,
        "homecare/staff_figures.html",
        {
            "area": area,
            "parent": area.parent if area.parent and access.is_staff(actor) else None,
            "month": month,
            "total": total,
            "rows": rows,
            "target": target,
            "providers": providers,
            "calls": calls,
            "chart": chart,
            "window": int(services.on_time_window().total_seconds() // 60),
            "may_set_target": access.may_register_providers(actor),
        },
    )


@require_POST
@registrar_only
def target(request: HttpRequest) -> HttpResponseBase:
    """Set the coverage target (the plan's 100% of urban communities by 2025, or a later one)."""
    actor = _user(request)

    def work() -> object:
        try:
            due_on = datetime.date.fromisoformat(request.POST.get("due_on", ""))
            percent = Decimal(request.POST.get("percent", ""))
        except (ValueError, ArithmeticError):
            raise ValidationError({"percent": _("Give the date and the target share.")}) from None
        return services.coverage_target_save(
            actor=actor, due_on=due_on, percent=percent, source=request.POST.get("source", "")
        )

    return _do(request, work, _("Saved."), reverse("homecare:figures"))


# ---- providers and service types ------------------------------------------------------------------------


@require_GET
@registrar_only
def providers(request: HttpRequest) -> HttpResponse:
    actor = _user(request)
    return render(
        request,
        "homecare/providers.html",
        {
            "providers": selectors.providers(),
            "accounts": selectors.provider_accounts(actor=actor),
            "may_register": access.may_register_providers(actor),
            "may_link": access.may_link_accounts(actor),
            "service_types": selectors.service_types(),
            "entities": selectors.registrable_entities(actor=actor),
        },
    )


def _codes(request: HttpRequest, name: str) -> list[str]:
    values = request.POST.getlist(name)
    if len(values) == 1 and "," in values[0]:
        values = values[0].split(",")
    return [v.strip() for v in values if v.strip()]


@require_POST
@registrar_only
def provider_new(request: HttpRequest) -> HttpResponseBase:
    actor = _user(request)

    def work() -> object:
        try:
            entity_id = int(request.POST.get("entity", ""))
        except ValueError:
            raise ValidationError({"entity": _("Choose the legal entity.")}) from None
        return services.provider_register(
            actor=actor,
            entity_id=entity_id,
            area_codes=_codes(request, "areas"),
            service_type_codes=_codes(request, "service_types"),
        )

    return _do(request, work, _("The provider was registered."), reverse("homecare:providers"))


@require_POST
@registrar_only
def provider_link(request: HttpRequest) -> HttpResponseBase:
    actor = _user(request)

    def work() -> object:
        user = selectors.linkable_account(actor=actor, username=request.POST.get("username", ""))
        try:
            entity_id = int(request.POST.get("entity", ""))
        except ValueError:
            raise ValidationError({"entity": _("Choose a registered provider.")}) from None
        if request.POST.get("unlink"):
            if user is None:
                raise ValidationError({"user": _("No such account.")})
            return services.provider_account_unlink(actor=actor, user_id=user.pk)
        return services.provider_account_link(actor=actor, user_id=user.pk if user else 0, entity_id=entity_id)

    return _do(request, work, _("Saved."), reverse("homecare:providers"))


@require_http_methods(["GET", "POST"])
@types_editor
def service_types(request: HttpRequest) -> HttpResponseBase:
    actor = _user(request)
    if request.method == "POST":
        try:
            ordering = int(request.POST.get("ordering", "0") or 0)
        except ValueError:
            ordering = 0
        return _do(
            request,
            lambda: services.service_type_save(
                actor=actor,
                code=request.POST.get("code", ""),
                name=request.POST.get("name", ""),
                ordering=ordering,
                is_active=bool(request.POST.get("is_active")),
            ),
            _("Saved."),
            reverse("homecare:service_types"),
        )
    return render(request, "homecare/service_types.html", {"types": selectors.service_types(active_only=False)})


# ---- the provider's phone page ----------------------------------------------------------------------------


@require_GET
@provider_only
def phone(request: HttpRequest) -> HttpResponse:
    lists = selectors.provider_lists(actor=_user(request))
    return render(request, "homecare/phone.html", {"lists": lists})


def _phone_step(request: HttpRequest, order_id: int, step: str) -> HttpResponseBase:
    actor = _user(request)
    lon, lat = _float(request.POST.get("lon")), _float(request.POST.get("lat"))
    work = {
        "accept": (lambda: services.order_accept(actor=actor, order_id=order_id), _("You accepted the order.")),
        "checkin": (
            lambda: services.order_checkin(actor=actor, order_id=order_id, lon=lon, lat=lat),
            _("Checked in."),
        ),
        "checkout": (
            lambda: services.order_checkout(actor=actor, order_id=order_id, lon=lon, lat=lat),
            _("Checked out."),
        ),
    }[step]
    return _do(request, work[0], work[1], reverse("homecare:phone"))


@require_POST
@provider_only
def accept(request: HttpRequest, order_id: int) -> HttpResponseBase:
    return _phone_step(request, order_id, "accept")


@require_POST
@provider_only
def checkin(request: HttpRequest, order_id: int) -> HttpResponseBase:
    return _phone_step(request, order_id, "checkin")


@require_POST
@provider_only
def checkout(request: HttpRequest, order_id: int) -> HttpResponseBase:
    return _phone_step(request, order_id, "checkout")


# ---- the family (residents' portal) ------------------------------------------------------------------------


@require_GET
@resident_only
def family(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "homecare/family.html",
        {
            "members": selectors.family_page(actor=_user(request)),
            "service_types": selectors.service_types(),
            "levels": [5, 4, 3, 2, 1],
            "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )


def _family_back() -> str:
    return reverse("homecare:family")


@require_POST
@resident_only
def family_request(request: HttpRequest) -> HttpResponseBase:
    actor = _user(request)
    return _do(request, lambda: _create(request, actor), _("Your request was sent."), _family_back())


@require_POST
@resident_only
def rate(request: HttpRequest, order_id: int) -> HttpResponseBase:
    actor = _user(request)
    try:
        level = int(request.POST.get("level", ""))
    except ValueError:
        level = 0
    return _do(
        request,
        lambda: services.order_rate(actor=actor, order_id=order_id, level=level, reason=request.POST.get("reason", "")),
        _("Thank you for your rating."),
        _family_back(),
    )


@require_POST
@resident_only
def complain(request: HttpRequest, order_id: int) -> HttpResponseBase:
    actor = _user(request)
    return _do(
        request,
        lambda: services.complaint_file(
            actor=actor, order_id=order_id, description=request.POST.get("description", "")
        ),
        _("Your complaint was filed: the community will answer it."),
        _family_back(),
    )


@require_POST
@resident_only
def apply(request: HttpRequest) -> HttpResponseBase:
    """The resident applies for home care for a person registered with their phone (online)."""
    actor = _user(request)
    try:
        person_id = int(request.POST.get("person", ""))
    except ValueError:
        person_id = 0
    return _do(
        request,
        lambda: casework.case_file(
            actor=actor,
            channel="online",
            filing=casework.Filing(kind=services.APPLICATION_KIND, applicant_id=person_id, description=_("Home care")),
        ),
        _("Your application was filed: follow it under My cases."),
        _family_back(),
    )


@require_POST
@resident_only
def call(request: HttpRequest) -> HttpResponseBase:
    actor = _user(request)
    try:
        person_id = int(request.POST.get("person", ""))
    except ValueError:
        person_id = 0
    return _do(
        request,
        lambda: services.emergency_call(actor=actor, person_id=person_id),
        _("Help is called: the grid worker and the provider were told."),
        _family_back(),
    )


# ---- emergency calls: the responders ---------------------------------------------------------------------


@require_GET
@responder_only
def calls(request: HttpRequest) -> HttpResponse:
    return render(request, "homecare/calls.html", {"calls": selectors.open_calls(actor=_user(request))})


@require_POST
@responder_only
def call_acknowledge(request: HttpRequest, call_id: int) -> HttpResponseBase:
    actor = _user(request)
    return _do(
        request,
        lambda: services.emergency_acknowledge(actor=actor, call_id=call_id),
        _("Your response was recorded."),
        reverse("homecare:calls"),
    )

"""The pages of mutual-aid care under /programmes/volunteers/: the staff's (volunteers, tasks, what waits
for confirmation, figures, a volunteer's account and service certificate) and the residents' on the
portal layout (registering, the open tasks near them, their tasks, their family's tasks, their time-bank
account). Thin: every read is a selector, every write one service; out of reach is a 404."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.accounts.http import AuthenticatedHttpRequest
from shequ.accounts.models import User
from shequ.lib.feedback import add_errors, errors_text
from shequ.lib.masking import mask_phone

from . import selectors, services
from .forms import DecideForm, HoursForm, RedeemForm, RegisterForm, ServiceTypeForm, TaskForm
from .models import TaskState, VolunteerState

PAGE_SIZE = 50
View = Callable[..., HttpResponseBase]


def staff_required(view: View) -> View:
    """Staff reaching the programme; any other account may never open the staff pages (403)."""

    @login_required
    @wraps(view)
    def wrapped(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not selectors.is_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def resident_required(view: View) -> View:
    """Residents only: the anonymous visitor signs in on the portal first; staff get a 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        assert isinstance(request.user, User)
        if not services.is_resident(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _fail(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, errors_text(exc))


# ---- staff -------------------------------------------------------------------------------------------


@staff_required
@require_GET
def volunteer_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    state = request.GET.get("state", "")
    state = state if state in VolunteerState.values else ""
    rows = selectors.staff_volunteers(request.user, state=state, area_code=request.GET.get("area", ""))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/staff_volunteers.html",
        {
            "page": page,
            "rows": selectors.volunteer_rows(page.object_list),
            "state": state,
            "states": VolunteerState.choices,
        },
    )


@staff_required
@require_GET
def volunteer_detail(request: AuthenticatedHttpRequest, volunteer_id: int) -> HttpResponseBase:
    volunteer = selectors.staff_volunteer(request.user, volunteer_id)
    manage = services.manages(request.user, volunteer.area.path)
    return render(
        request,
        "volunteers/staff_volunteer.html",
        {
            "volunteer": volunteer,
            "phone": mask_phone(volunteer.person.phone or ""),
            "account": selectors.ledger(volunteer),
            "manage": manage,
            "decide_form": DecideForm(),
            "redeem_form": RedeemForm(people=selectors.household_of(volunteer), types=selectors.service_types()),
            "tasks": volunteer.tasks.select_related("service_type", "area").order_by("-starts_at")[:50],
        },
    )


@staff_required
@require_POST
def decide(request: AuthenticatedHttpRequest, volunteer_id: int) -> HttpResponseBase:
    form = DecideForm(request.POST)
    if form.is_valid():
        try:
            services.volunteer_decide(
                actor=request.user,
                volunteer_id=volunteer_id,
                confirm=form.cleaned_data["decision"] == "confirm",
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("The registration is decided."))
    else:
        messages.error(request, errors_text(form))
    return redirect("volunteers:volunteer", volunteer_id=volunteer_id)


@staff_required
@require_POST
def redeem(request: AuthenticatedHttpRequest, volunteer_id: int) -> HttpResponseBase:
    volunteer = selectors.staff_volunteer(request.user, volunteer_id)
    form = RedeemForm(request.POST, people=selectors.household_of(volunteer), types=selectors.service_types())
    if form.is_valid():
        try:
            services.hours_redeem(
                actor=request.user,
                volunteer_id=volunteer.pk,
                hours=form.cleaned_data["hours"],
                beneficiary_id=form.cleaned_data["beneficiary"],
                reason=form.cleaned_data["reason"],
                service_type_code=form.cleaned_data["service_type"],
            )
        except ValidationError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("The redemption is recorded."))
    else:
        messages.error(request, errors_text(form))
    return redirect("volunteers:volunteer", volunteer_id=volunteer.pk)


def _certificate(request: HttpRequest, volunteer: Any, layout: str) -> HttpResponseBase:
    records = selectors.service_records(volunteer)
    return render(
        request,
        "volunteers/certificate.html",
        {
            "volunteer": volunteer,
            "records": records,
            "total": sum((r.hours for r in records), services.ZERO),
            "community": selectors.community_of(volunteer.area),
            "layout": layout,
        },
    )


@staff_required
@require_GET
def certificate(request: AuthenticatedHttpRequest, volunteer_id: int) -> HttpResponseBase:
    return _certificate(request, selectors.staff_volunteer(request.user, volunteer_id), "base.html")


@staff_required
@require_GET
def task_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    state = request.GET.get("state", "")
    state = state if state in TaskState.values else ""
    rows = selectors.staff_tasks(request.user, state=state, area_code=request.GET.get("area", ""))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/staff_tasks.html",
        {
            "page": page,
            "rows": selectors.task_rows(request.user, page.object_list),
            "state": state,
            "states": TaskState.choices,
            "may_post": selectors.may_post(request.user),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def task_new(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    if not selectors.may_post(request.user):
        raise PermissionDenied
    query = request.GET.get("q", "")[:50]
    elders = list(selectors.elders_for_staff(request.user, query)[:200])
    if request.method == "POST" and request.POST.get("elder", "").isdigit():
        chosen = selectors.elders_for_staff(request.user).filter(pk=int(request.POST["elder"]))
        elders = list({p.pk: p for p in [*elders, *chosen]}.values())
    form = TaskForm(request.POST or None, elders=elders, types=selectors.service_types())
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_post(
                actor=request.user,
                elder_id=form.cleaned_data["elder"],
                service_type_code=form.cleaned_data["service_type"],
                starts_at=form.cleaned_data["starts_at"],
                duration_minutes=form.cleaned_data["duration_minutes"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The task is posted: volunteers nearby can take it."))
            return redirect("volunteers:task", task_id=task.pk)
    return render(request, "volunteers/staff_task_new.html", {"form": form, "q": query, "elders": elders})


@staff_required
@require_GET
def task_detail(request: AuthenticatedHttpRequest, task_id: int) -> HttpResponseBase:
    task = selectors.staff_task(request.user, task_id)
    return render(
        request,
        "volunteers/staff_task.html",
        {
            "task": task,
            "elder_phone": mask_phone(task.elder.phone or ""),
            "may_confirm": task.state == TaskState.DONE and services.may_confirm(request.user, task) == "staff",
            "may_cancel": task.state in (TaskState.OPEN, TaskState.TAKEN)
            and services.manages(request.user, task.area.path),
            "community": selectors.community_of(task.area),
            "street": selectors.street_of(task.area),
        },
    )


@staff_required
@require_POST
def confirm(request: AuthenticatedHttpRequest, task_id: int) -> HttpResponseBase:
    task = selectors.staff_task(request.user, task_id)
    try:
        services.task_confirm(actor=request.user, task_id=task.pk)
    except ValidationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("The hours are confirmed and banked."))
    if request.POST.get("next") == "pending":
        return redirect("volunteers:pending")
    return redirect("volunteers:task", task_id=task.pk)


@staff_required
@require_POST
def cancel(request: AuthenticatedHttpRequest, task_id: int) -> HttpResponseBase:
    task = selectors.staff_task(request.user, task_id)
    try:
        services.task_cancel(actor=request.user, task_id=task.pk, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("The task is cancelled."))
    return redirect("volunteers:task", task_id=task.pk)


@staff_required
@require_GET
def pending(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """What waits for the staff: registrations to decide and hours to confirm."""
    registrations = selectors.staff_volunteers(request.user, state=VolunteerState.PENDING)[:100]
    tasks = selectors.staff_tasks(request.user, state=TaskState.DONE)[:100]
    return render(
        request,
        "volunteers/staff_pending.html",
        {
            "registrations": selectors.volunteer_rows(registrations),
            "tasks": selectors.task_rows(request.user, tasks),
        },
    )


@staff_required
@require_GET
def figures(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    area = selectors.figures_area(request.user, request.GET.get("area", ""))
    total, rows = selectors.figures_by_area(area)
    labels = {
        "volunteers": _("Volunteers"),
        "tasks_done": _("Tasks done"),
        "hours_banked": _("Hours banked"),
        "hours_redeemed": _("Hours redeemed"),
    }
    chart = {
        "categories": [r.area.name for r in rows],
        "series": [{"name": str(label), "data": [r.values[key] for r in rows]} for key, label in labels.items()],
    }
    return render(
        request,
        "volunteers/staff_figures.html",
        {
            "area": area,
            "parent": selectors.figures_parent(request.user, area),
            "total": total,
            "rows": rows,
            "chart": chart,
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def service_types(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The list of service types; the programme's officers over the city edit it."""
    form = ServiceTypeForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.service_type_save(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("The service type is saved."))
                return redirect("volunteers:service_types")
        else:
            messages.error(request, errors_text(form))
    return render(
        request,
        "volunteers/staff_service_types.html",
        {"types": selectors.all_service_types(), "form": form, "may_edit": selectors.may_edit_types(request.user)},
    )


# ---- the residents' pages (portal layout) -----------------------------------------------------------


def _resident(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@resident_required
@require_GET
def portal_home(request: HttpRequest) -> HttpResponseBase:
    actor = _resident(request)
    registrations = selectors.my_registrations(actor)
    accounts = [selectors.ledger(v) for v in registrations if v.state == VolunteerState.CONFIRMED]
    return render(
        request,
        "volunteers/portal_home.html",
        {
            "registrations": registrations,
            "accounts": accounts,
            "volunteer": services.own_volunteer(actor),
            "open_tasks": selectors.open_tasks(actor)[:20],
            "my_tasks": selectors.my_tasks(actor),
            "family_tasks": selectors.family_tasks(actor),
        },
    )


@resident_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponseBase:
    actor = _resident(request)
    people = selectors.registrable_people(actor)
    form = RegisterForm(
        request.POST or None,
        people=people,
        types=selectors.service_types(),
        initial={"person": people[0].pk} if len(people) == 1 else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.volunteer_register(
                actor=actor,
                person_id=form.cleaned_data["person"],
                service_type_codes=form.cleaned_data["service_types"],
                availability=form.cleaned_data["availability"],
                skills=form.cleaned_data["skills"],
                consent=form.cleaned_data["consent"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
            messages.error(request, errors_text(exc))
        else:
            messages.success(request, _("Thank you: the community will confirm your registration."))
            return redirect("volunteers:portal")
    return render(request, "volunteers/portal_register.html", {"form": form, "people": people})


@resident_required
@require_GET
def portal_task(request: HttpRequest, task_id: int) -> HttpResponseBase:
    view = selectors.resident_task(_resident(request), task_id)
    return render(request, "volunteers/portal_task.html", {"v": view, "hours_form": HoursForm()})


def _task_action(request: HttpRequest, task_id: int, write: Callable[[User], object], done: str) -> HttpResponseBase:
    try:
        write(_resident(request))
    except ValidationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, done)
    return redirect("volunteers:portal_task", task_id=task_id)


@resident_required
@require_POST
def take(request: HttpRequest, task_id: int) -> HttpResponseBase:
    return _task_action(
        request,
        task_id,
        lambda actor: services.task_take(actor=actor, task_id=task_id),
        _("The task is yours: the elder's address is shown below."),
    )


@resident_required
@require_POST
def release(request: HttpRequest, task_id: int) -> HttpResponseBase:
    return _task_action(
        request,
        task_id,
        lambda actor: services.task_release(actor=actor, task_id=task_id),
        _("The task is open again for other volunteers."),
    )


@resident_required
@require_POST
def complete(request: HttpRequest, task_id: int) -> HttpResponseBase:
    return _task_action(
        request,
        task_id,
        lambda actor: services.task_complete(actor=actor, task_id=task_id, hours=request.POST.get("hours", "")),
        _("Thank you: the hours wait for confirmation."),
    )


@resident_required
@require_POST
def portal_confirm(request: HttpRequest, task_id: int) -> HttpResponseBase:
    return _task_action(
        request,
        task_id,
        lambda actor: services.task_confirm(actor=actor, task_id=task_id),
        _("The hours are confirmed and banked for the volunteer."),
    )


@resident_required
@require_POST
def pay(request: HttpRequest, task_id: int) -> HttpResponseBase:
    """Pay for a confirmed task done for the family with the hours the resident's volunteer banked."""
    actor = _resident(request)
    volunteer = services.own_volunteer(actor)
    return _task_action(
        request,
        task_id,
        lambda actor: services.hours_redeem(
            actor=actor,
            volunteer_id=volunteer.pk if volunteer else 0,
            hours=None,
            beneficiary_id=0,
            task_id=task_id,
        ),
        _("The task is paid for with your banked hours."),
    )


@resident_required
@require_http_methods(["GET", "POST"])
def portal_post(request: HttpRequest) -> HttpResponseBase:
    """A resident asks for help for an elder of their family."""
    actor = _resident(request)
    elders = selectors.family_elders(actor)
    form = TaskForm(request.POST or None, elders=elders, types=selectors.service_types())
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_post(
                actor=actor,
                elder_id=form.cleaned_data["elder"],
                service_type_code=form.cleaned_data["service_type"],
                starts_at=form.cleaned_data["starts_at"],
                duration_minutes=form.cleaned_data["duration_minutes"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
            messages.error(request, errors_text(exc))
        else:
            messages.success(request, _("Your request is posted: a volunteer nearby will take it."))
            return redirect("volunteers:portal_task", task_id=task.pk)
    return render(request, "volunteers/portal_post.html", {"form": form})


@resident_required
@require_GET
def portal_account(request: HttpRequest, volunteer_id: int) -> HttpResponseBase:
    volunteer = selectors.my_volunteer(_resident(request), volunteer_id)
    return render(request, "volunteers/portal_account.html", {"account": selectors.ledger(volunteer)})


@resident_required
@require_GET
def portal_certificate(request: HttpRequest, volunteer_id: int) -> HttpResponseBase:
    return _certificate(request, selectors.my_volunteer(_resident(request), volunteer_id), "portal/base_portal.html")

from collections.abc import Callable
from functools import partial
from typing import Any, TypedDict, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shequ.accounts.http import AuthenticatedHttpRequest
from shequ.accounts.models import User
from shequ.areas.models import Level
from shequ.areas.selectors import area_roots
from shequ.areas.widgets import label_picker
from shequ.audit.selectors import area_labels
from shequ.lib.capabilities import Capability
from shequ.lib.feedback import add_errors, errors_text, submit, submit_and_flash
from shequ.lib.scoping import has_capability, require_capability
from shequ.lib.tabular import xlsx_response
from shequ.privacy.forms import RevealForm

from . import selectors, services
from .forms import (
    ALL_STATUSES,
    ExportForm,
    HeadForm,
    LeaveForm,
    MembersForm,
    MergeForm,
    MoveDecisionForm,
    MoveMemberForm,
    PersonEditForm,
    PersonForm,
    ResidentFilterForm,
    SplitForm,
    TagForm,
)
from .models import Household, MoveRequest, Person, PersonStatus

_Found = TypeVar("_Found")


class Filters(TypedDict):
    query: str
    tags: list[str]
    area_code: str
    status: str  # "" for everyone


def _filters(request: AuthenticatedHttpRequest) -> tuple[ResidentFilterForm, Filters]:
    """The list's filters: from the search box, which posts, or from the address (names, addresses, groups,
    areas). A wrong value leaves the form with its error (and the caller lists nobody)."""
    form = ResidentFilterForm((request.POST if request.method == "POST" else request.GET) or None)
    cleaned = form.cleaned_data if form.is_valid() else {}
    status = cleaned.get("status") or PersonStatus.ACTIVE
    return form, {
        "query": cleaned.get("q", ""),
        "tags": cleaned.get("tag", []),
        "area_code": cleaned.get("area", ""),
        "status": "" if status == ALL_STATUSES else status,
    }


def _find(form: ResidentFilterForm, filters: Filters, find: Callable[..., _Found], **extra: Any) -> _Found | None:
    """``find(**filters)``, or None with the reason on the form: a filter that does not parse, an area
    code with no area in the actor's reach (unknown and out of reach read the same), the hourly allowance
    of identifier lookups spent."""
    if form.is_bound and not form.is_valid():
        return None
    try:
        return find(**filters, **extra)
    except Http404:
        form.add_error("area", _("No area with this code within your reach."))
    except ValidationError as exc:
        add_errors(form, exc)
    return None


@require_http_methods(["GET", "POST"])
def resident_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The residents found by the filters. The search box posts, and so do the pager and the export (the
    filters ride along as hidden fields): an identity number searched never appears in an address."""
    if not request.user.is_authenticated:
        # Not login_required: its "next" would carry the query string, an identifier perhaps, to the
        # sign-in page's address and form.
        return redirect_to_login(request.path)
    require_capability(request.user, Capability.REGISTRY_READ)
    if request.method == "GET" and selectors.looks_like_identifier(request.GET.get("q", "")):
        # In an address it is logged and kept in histories (and this page's links would repeat it):
        # neither searched nor shown back.
        messages.error(request, _("Search identity numbers and phones with the search box, not in the address."))
        return redirect("residents:residents")
    form, filters = _filters(request)
    status = form.cleaned_data.get("status", PersonStatus.ACTIVE) if form.is_bound and form.is_valid() else ""
    found = _find(form, filters, partial(selectors.residents, actor=request.user, cap=selectors.SEARCH_CAP))
    people: QuerySet[Person] = found if found is not None else Person.objects.none()
    page = Paginator(people, 50).get_page(request.POST.get("page") or request.GET.get("page"))
    listed = [("status", status)] if status and status != PersonStatus.ACTIVE else []
    hidden = [("q", filters["query"]), ("area", filters["area_code"])] + [("tag", tag) for tag in filters["tags"]]
    hidden += listed
    rows = list(page.object_list)
    places = area_labels(p.area.path for p in rows)
    return render(
        request,
        "residents/resident_list.html",
        {
            "form": form,
            "page": page,
            "rows": [(p, places.get(p.area.path, p.area.name)) for p in rows],
            "filters": [(name, value) for name, value in hidden if value],
            "can_export": not form.errors,
            "capped": page.paginator.count > selectors.SEARCH_CAP,
            "cap": selectors.SEARCH_CAP,
            "export_form": ExportForm(),
            "can_reveal": has_capability(request.user, Capability.PERSONAL_REVEAL),
            "can_edit": has_capability(request.user, Capability.REGISTRY_EDIT),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def resident_new(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """Register one resident without a roster file."""
    require_capability(request.user, Capability.REGISTRY_EDIT)
    communities = list(selectors.editable_communities(actor=request.user)[:2])  # one, or a picker
    # One community (community staff, a grid worker): its grids to choose from, a grid worker's own only.
    grids, whole = (
        selectors.registrable_grids(actor=request.user, community=communities[0])
        if len(communities) == 1
        else (None, True)
    )
    form = PersonForm(request.POST or None, communities=communities, grids=grids, whole=whole)
    label_picker(form, "community_code", request.user)

    def register(data: dict[str, Any]) -> Person | MoveRequest:
        moved_in_on = data.pop("moved_in_on")
        return services.person_register(
            actor=request.user, moved_in_on=moved_in_on.isoformat() if moved_in_on else "", **data
        )

    outcome = submit(form, register)
    if isinstance(outcome, MoveRequest):
        messages.info(request, _("This person lives in another community: a move request was sent there."))
        return redirect("residents:moves")
    if outcome is not None:
        messages.success(request, _("Saved."))
        return redirect("residents:resident", person_id=outcome.pk)
    return render(request, "residents/resident_new.html", {"form": form})


@login_required
@require_POST
def resident_export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    require_capability(request.user, Capability.REGISTRY_READ)
    form, filters = _filters(request)  # posted beside the reason, as hidden fields
    export = ExportForm(request.POST)
    given = export.cleaned_data if export.is_valid() else {}
    content = _find(
        form,
        filters,
        partial(services.residents_export, actor=request.user),
        reveal_category=given.get("category", ""),
        reveal_reason=given.get("reason", ""),
    )
    if content is None:  # a wrong filter exports nothing (never the whole area instead)
        messages.error(request, errors_text(form))
        return redirect("residents:residents")
    return xlsx_response(content, "residents.xlsx")


def _field_labels(names: list[str]) -> str:
    """The history's field names as the reader's language calls them."""
    extra = {"grid": _("Grid"), "address": _("Address"), "household": _("Household")}
    labels = []
    for name in names:
        try:
            field = Person._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
        labels.append(str(extra.get(name) or getattr(field, "verbose_name", name)))
    return "、".join(labels)


@login_required
def resident_detail(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get(actor=request.user, person_id=person_id)
    can_edit = Person.objects.visible_to(request.user, Capability.REGISTRY_EDIT).filter(pk=person.pk).exists()
    history = person.changes.select_related("actor").order_by("at", "pk")
    return render(
        request,
        "residents/resident_detail.html",
        {
            "person": person,
            "history": [(entry, _field_labels(entry.changes.get("fields", []))) for entry in history],
            "reveal_url": reverse("residents:reveal", args=[person.pk]),
            "tags": person.tags.select_related("tag"),
            "reveal_form": RevealForm(),
            "leave_form": LeaveForm(),
            "tag_form": TagForm(),
            "can_edit": can_edit,
            "can_leave": can_edit and person.status == PersonStatus.ACTIVE,
        },
    )


# The forms posted from a resident's page, each with the one service it calls.
RESIDENT_FORMS: dict[str, tuple[type[forms.Form], Callable[..., object]]] = {
    "leave": (LeaveForm, services.person_leave),
    "tag_add": (TagForm, services.tag_add),
}


@login_required
@require_POST
def resident_form(request: AuthenticatedHttpRequest, person_id: int, action: str) -> HttpResponseBase:
    """A form posted from a resident's page (moving out or death, a recorded group): a 404 for whoever
    cannot read the resident, before the form says anything; then the outcome as a message, back on the
    page."""
    form_class, write = RESIDENT_FORMS[action]
    selectors.person_get(actor=request.user, person_id=person_id)
    submit_and_flash(
        request,
        form_class(request.POST),
        lambda data: write(actor=request.user, person_id=person_id, **data),
        _("Saved."),
    )
    return redirect("residents:resident", person_id=person_id)


@login_required
@require_http_methods(["GET", "POST"])
def resident_edit(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponseBase:
    """Correct a resident's details (the roster's fields, by its rules); back on their page with the
    history naming what changed."""
    person = selectors.person_for_edit(actor=request.user, person_id=person_id)
    grids, whole = selectors.registrable_grids(actor=request.user, community=selectors.community_of(person.area))
    initial = {
        "name": person.name,
        "residence_type": person.residence_type,
        "street_address": person.address.street_address if person.address else "",
        "building": person.address.building if person.address else "",
        "unit": person.address.unit if person.address else "",
        "room": person.address.room if person.address else "",
        "grid": person.area.name if person.area.level == Level.GRID else "",
        "relation": person.relation,
        "ethnicity": person.ethnicity,
        "moved_in_on": person.moved_in_on,
    }
    form = PersonEditForm(request.POST or None, initial=initial, grids=grids, whole=whole)
    if (
        request.method == "POST"
        and submit(form, lambda data: services.person_update(actor=request.user, person_id=person.pk, **form.changes()))
        is not None
    ):
        messages.success(request, _("Saved."))
        return redirect("residents:resident", person_id=person.pk)
    return render(request, "residents/resident_edit.html", {"person": person, "form": form})


def _household_forms(
    household: Household, members: list[Person], data: QueryDict | None = None, action: str = ""
) -> dict[str, forms.Form]:
    """The household page's forms, the posted one bound to ``data``."""
    living = [p for p in members if p.status == PersonStatus.ACTIVE]
    made: dict[str, forms.Form] = {}
    for name, (form_class, _write) in HOUSEHOLD_FORMS.items():
        made[name] = form_class(data if name == action else None, members=living, prefix=name)
    return made


def _into(actor: User, household: Household, number: str) -> int:
    """The household of this community with this number (or id), as the services take it."""
    found = selectors.household_by_number(actor=actor, community_id=household.area_id, number=number)
    if found is None:
        raise ValidationError({"household": [_("No household of this community has this number.")]})
    return found


HOUSEHOLD_FORMS: dict[str, tuple[type[MembersForm], Callable[[User, Household, dict[str, Any]], object]]] = {
    "head": (
        HeadForm,
        lambda actor, h, data: services.household_set_head(actor=actor, household_id=h.pk, **data),
    ),
    "move": (
        MoveMemberForm,
        lambda actor, h, data: services.member_move(
            actor=actor,
            person_id=data["person_id"],
            household_id=_into(actor, h, data["household"]),
            relation=data["relation"],
        ),
    ),
    "split": (
        SplitForm,
        lambda actor, h, data: services.household_split(actor=actor, household_id=h.pk, **data),
    ),
    "merge": (
        MergeForm,
        lambda actor, h, data: services.household_merge(
            actor=actor,
            household_id=h.pk,
            other_id=_into(actor, h, data["household"]),
            other_head_relation=data["other_head_relation"],
        ),
    ),
}


@login_required
@require_http_methods(["GET", "POST"])
def household_detail(request: AuthenticatedHttpRequest, household_id: int) -> HttpResponseBase:
    """A household and its members; for those who may change it, changing the head, moving a member to
    another household, splitting and merging."""
    household, members = selectors.household_get(actor=request.user, household_id=household_id)
    can_edit = selectors.household_editable(actor=request.user, household_id=household.pk)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action and (not can_edit or action not in HOUSEHOLD_FORMS):
        raise Http404
    made = _household_forms(household, members, request.POST, action) if can_edit else {}
    if action:
        form = made[action]
        write = HOUSEHOLD_FORMS[action][1]
        outcome = submit(form, lambda data: write(request.user, household, data))
        if outcome is not None:
            messages.success(request, _("Saved."))
            target = outcome.pk if isinstance(outcome, Household) else household.pk  # a split shows the new one
            return redirect("residents:household", household_id=target)
    return render(
        request,
        "residents/household.html",
        {"household": household, "members": members, "forms": made, "can_edit": can_edit},
    )


@login_required
def digitisation(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.REGISTRY_READ)
    code = request.GET.get("area") or next((a.code for a in area_roots(actor=request.user)), "")
    result = selectors.digitisation(actor=request.user, area_code=code[:20])
    return render(request, "residents/digitisation.html", {"result": result})


@login_required
def move_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Move requests: those the actor's communities decide, and those they filed."""
    require_capability(request.user, Capability.REGISTRY_EDIT)
    incoming, outgoing = selectors.move_requests(actor=request.user)
    return render(
        request,
        "residents/moves.html",
        {"incoming": incoming[:200], "outgoing": outgoing[:200], "decide_form": MoveDecisionForm()},
    )


@login_required
@require_POST
def move_decide(request: AuthenticatedHttpRequest, request_id: int) -> HttpResponseBase:
    """Confirm, refuse or withdraw one move request; the outcome as a message, back on the list."""
    require_capability(request.user, Capability.REGISTRY_EDIT)

    def decide(data: dict[str, Any]) -> object:
        if data["decision"] == "withdraw":
            return services.move_request_withdraw(actor=request.user, request_id=request_id)
        return services.move_request_decide(
            actor=request.user, request_id=request_id, confirm=data["decision"] == "confirm", note=data["note"]
        )

    submit_and_flash(request, MoveDecisionForm(request.POST), decide, _("Saved."))
    return redirect("residents:moves")

from collections.abc import Callable
from typing import Any, TypedDict

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shequ.accounts.http import AuthenticatedHttpRequest
from shequ.areas.selectors import area_roots
from shequ.lib.capabilities import Capability
from shequ.lib.feedback import add_errors, errors_text, submit, submit_and_flash
from shequ.lib.scoping import has_capability, require_capability
from shequ.lib.tabular import xlsx_response
from shequ.privacy.forms import RevealForm

from . import selectors, services
from .forms import ExportForm, LeaveForm, MoveDecisionForm, PersonForm, ResidentFilterForm, TagForm
from .models import MoveRequest, Person, PersonStatus


class Filters(TypedDict):
    query: str
    tags: list[str]
    area_code: str


def _filters(request: AuthenticatedHttpRequest) -> tuple[ResidentFilterForm, Filters]:
    """The list's filters: from the search box, which posts, or from the address (names, addresses, groups,
    areas)."""
    form = ResidentFilterForm((request.POST if request.method == "POST" else request.GET) or None)
    cleaned = form.cleaned_data if form.is_valid() else {}
    return form, {"query": cleaned.get("q", ""), "tags": cleaned.get("tag", []), "area_code": cleaned.get("area", "")}


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
    people: QuerySet[Person] = Person.objects.none()
    try:
        people = selectors.residents(actor=request.user, **filters)
    except ValidationError as exc:  # the hourly allowance of identifier lookups is spent
        add_errors(form, exc)
    page = Paginator(people, 50).get_page(request.POST.get("page") or request.GET.get("page"))
    hidden = [("q", filters["query"]), ("area", filters["area_code"])] + [("tag", tag) for tag in filters["tags"]]
    return render(
        request,
        "residents/resident_list.html",
        {
            "form": form,
            "page": page,
            "filters": [(name, value) for name, value in hidden if value],
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
    communities = selectors.editable_communities(actor=request.user)[:3000]
    form = PersonForm(request.POST or None, communities=communities)

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
    _form, filters = _filters(request)  # posted beside the reason, as hidden fields
    export = ExportForm(request.POST)
    given = export.cleaned_data if export.is_valid() else {}
    try:
        content = services.residents_export(
            actor=request.user,
            reveal_category=given.get("category", ""),
            reveal_reason=given.get("reason", ""),
            **filters,
        )
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
        return redirect("residents:residents")
    return xlsx_response(content, "residents.xlsx")


@login_required
def resident_detail(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get(actor=request.user, person_id=person_id)
    can_edit = Person.objects.visible_to(request.user, Capability.REGISTRY_EDIT).filter(pk=person.pk).exists()
    return render(
        request,
        "residents/resident_detail.html",
        {
            "person": person,
            "history": person.changes.order_by("at"),
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
def household_detail(request: AuthenticatedHttpRequest, household_id: int) -> HttpResponse:
    household, members = selectors.household_get(actor=request.user, household_id=household_id)
    return render(request, "residents/household.html", {"household": household, "members": members})


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

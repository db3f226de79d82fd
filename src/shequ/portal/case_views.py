"""The residents' case pages under /portal/cases/: the items offered online, applying, one's cases and
one case (its timeline, the missing materials, withdrawing, rating, its files). Thin: each view reads
through ``portal.selectors`` or writes through one service; a case that is not the resident's is a 404."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shequ.accounts.models import User
from shequ.casework import services as casework
from shequ.casework.catalogue import item_version
from shequ.casework.workflow import Action
from shequ.lib.feedback import add_errors, errors_text, join_messages

from . import selectors, services
from .forms import ApplyForm, RateForm, UploadForm

PAGE_SIZE = 20

View = Callable[..., HttpResponseBase]


def resident_required(view: View) -> View:
    """Residents only: the anonymous visitor signs in with their phone first; a staff account may never
    open these pages (403, as any page a role may not open; the portal's home tells them where their
    work is)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        if not selectors.is_resident(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@resident_required
def items(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/cases/items.html", {"items": selectors.offered_items()})


def _person_id(request: HttpRequest) -> int | None:
    raw = request.POST.get("person") or request.GET.get("person") or ""
    try:
        return int(raw) if raw else None
    except ValueError:
        raise Http404 from None


@resident_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, code: str) -> HttpResponseBase:
    """The item's form for one of the resident's people: with several on their phone, they choose whom
    it is for first (the form's "person from the household" lists that person's household)."""
    actor = _user(request)
    item = selectors.offered_item(code)
    people = selectors.resident_persons(actor)
    person = selectors.resident_person(actor, _person_id(request))
    context: dict[str, Any] = {"item": item, "people": people, "person": person}
    if person is None:
        return render(request, "portal/cases/apply.html", context)
    snapshot = item_version(item).snapshot
    members = [(p.pk, p.name) for p in selectors.household_members(person)]
    form = ApplyForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        spec=snapshot.get("form", []),
        materials=snapshot.get("materials", []),
        members=members,
        initial={f["name"]: str(person.pk) for f in snapshot.get("form", []) if f["type"] == "household_member"}
        if request.method != "POST"
        else None,
    )
    if request.method == "POST":
        uploads = [
            services.Upload(material=name, file=upload, filename=upload.name or "", size=upload.size or 0)
            for name in form.file_names
            if (upload := request.FILES.get(name)) is not None
        ]
        try:
            applied = services.case_apply(
                actor=actor, item_code=item.code, applicant_id=person.pk, form=form.values(), uploads=uploads
            )
        except ValidationError as exc:
            form.is_valid()  # bind the form's own (empty) errors before adding the service's
            add_errors(form, exc)
            messages.error(request, join_messages(exc.messages))  # they name their fields already
        else:
            messages.success(request, _("Your application %(number)s was received.") % {"number": applied.case.number})
            if applied.failed:
                messages.error(
                    request,
                    _("These files could not be stored: %(names)s. Please add them on this page.")
                    % {"names": "、".join(applied.failed)},
                )
            return redirect("portal_cases:case", case_id=applied.case.pk)
    context["form"] = form
    return render(request, "portal/cases/apply.html", context)


@resident_required
def case_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.my_cases(_user(request)), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/cases/list.html", {"page": page})


@resident_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    view = selectors.case_page(_user(request), case_id)
    return render(
        request,
        "portal/cases/case.html",
        {"view": view, "case": view.case, "upload_form": UploadForm(), "rate_form": RateForm()},
    )


def _back(case_id: int) -> HttpResponseBase:
    return redirect("portal_cases:case", case_id=case_id)


@resident_required
@require_POST
def upload(request: HttpRequest, case_id: int) -> HttpResponseBase:
    """Add a file for one material of the case (the missing ones after a notice, or any other)."""
    actor = _user(request)
    selectors.my_case(actor, case_id)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        file = form.cleaned_data["file"]
        try:
            casework.case_attach(
                actor=actor,
                case_id=case_id,
                material=form.cleaned_data["material"],
                upload=file,
                filename=file.name or "",
            )
        except ValidationError as exc:
            add_errors(form, exc)
    if form.errors:
        messages.error(request, errors_text(form))
    else:
        messages.success(request, _("The file was added."))
    return _back(case_id)


def _act(request: HttpRequest, case_id: int, action: Action, success: str) -> HttpResponseBase:
    actor = _user(request)
    selectors.my_case(actor, case_id)
    try:
        casework.case_act(actor=actor, case_id=case_id, action=action.value, note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, success)
    return _back(case_id)


@resident_required
@require_POST
def supply(request: HttpRequest, case_id: int) -> HttpResponseBase:
    """ "I have added them": the case goes back to the staff, its clock running again."""
    return _act(request, case_id, Action.SUPPLY_MATERIALS, _("Thank you: the case is back with the staff."))


@resident_required
@require_POST
def withdraw(request: HttpRequest, case_id: int) -> HttpResponseBase:
    return _act(request, case_id, Action.WITHDRAW, _("The case was withdrawn."))


@resident_required
@require_POST
def rate(request: HttpRequest, case_id: int) -> HttpResponseBase:
    actor = _user(request)
    selectors.my_case(actor, case_id)
    form = RateForm(request.POST)
    if form.is_valid():
        try:
            casework.case_rate(
                actor=actor, case_id=case_id, level=form.cleaned_data["level"], reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
    if form.errors:
        messages.error(request, errors_text(form))
    else:
        messages.success(request, _("Thank you for your rating."))
    return _back(case_id)


@resident_required
def download(request: HttpRequest, case_id: int, attachment_id: int) -> HttpResponseBase:
    """A file of one's own case; the download is audited (``attachment_open``)."""
    actor = _user(request)
    case = selectors.my_case(actor, case_id)
    if not case.attachments.filter(pk=attachment_id).exists():
        raise Http404
    attachment, stream = casework.attachment_open(actor=actor, attachment_id=attachment_id)
    response = FileResponse(
        stream, as_attachment=True, filename=attachment.filename, content_type=attachment.content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response

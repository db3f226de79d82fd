"""The staff pages of casework (一网通办), under /cases/: the queue (also the grid worker's task list on a
phone), a case with its timeline and the actions the reader may take, its printed papers, filing for a
resident (community proxy, door to door) and the figures. Thin: every read is a selector, every write a
service; out of the reader's area is a 404."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.accounts.http import AuthenticatedHttpRequest
from shequ.areas.models import Area, Level
from shequ.audit.catalogue import action_label
from shequ.audit.selectors import area_labels
from shequ.lib.capabilities import Capability
from shequ.lib.feedback import errors_text, join_messages
from shequ.lib.scoping import granted_paths, has_capability, require_capability
from shequ.residents import selectors as resident_selectors
from shequ.residents.models import Person, PersonStatus

from . import catalogue, printing, selectors, services
from .models import OPEN_STATES, Case, CaseState, ChannelChoice
from .pdf import material_names
from .staff_forms import (
    STAFF_CHANNELS,
    ActionForm,
    AttachForm,
    ChooseForm,
    FilingForm,
    QueueFilterForm,
    VisitForm,
)
from .workflow import Action

PAGE_SIZE = 50


class QueuePaginator(Paginator):
    """Pages of a queue whose count stops at ``selectors.QUEUE_COUNT_CAP`` (more is said as "more than")."""

    @cached_property
    def count(self) -> int:
        return selectors.queue_count(self.object_list)  # type: ignore[arg-type]  # always a queryset of cases


VISIT_PHOTO = "visit_photo"


def mask_name(name: str) -> str:
    """A name as the queue shows it: 张*、王*兰、欧阳**: enough to tell cases apart at a glance, not to
    read who applied over a shoulder."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _back(request: AuthenticatedHttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def _scope_areas(actor: Any) -> list[Area]:
    """The areas the queue and the figures offer: the reader's own and two levels below (a street's
    communities and grids; a city's districts and streets)."""
    paths = granted_paths(actor, Capability.CASE_READ)
    roots = list(Area.objects.filter(path__in=paths).order_by("path"))
    if not roots:
        return []
    depth = max(a.level for a in roots) + 2
    below = Area.objects.filter(level__lte=depth).exclude(path__in=paths)
    q = Q()
    for root in roots:
        q |= Q(path__startswith=root.path)
    return roots + list(below.filter(q).order_by("path")[:300])


def _holds(actor: Any, capability: str, area: Area) -> bool:
    return any(area.path.startswith(p) for p in granted_paths(actor, capability))


def _deadline_marks(case: Case, now: Any) -> tuple[bool, bool]:
    """(overdue, due soon): a case waiting for the resident has its clock stopped and is neither."""
    if case.deadline_at is None or case.state not in OPEN_STATES or case.state == CaseState.WAITING:
        return False, False
    soon = now + timedelta(hours=settings.SHEQU_CASE_WARN_HOURS)
    return case.deadline_at < now, now <= case.deadline_at < soon


# ---- the queue ----------------------------------------------------------------------------------------


@login_required
@require_GET
def queue(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The area's cases by state and deadline, 50 a page, in a fixed number of queries whatever the rows."""
    actor = request.user
    require_capability(actor, Capability.CASE_READ)
    areas = _scope_areas(actor)
    labels = area_labels(a.path for a in areas)
    items = [(code, name) for code, name in catalogue.catalogue_items().values_list("code", "name")]
    # The open cases unless a state is chosen ("" is all of them).
    given = request.GET.copy()
    given.setdefault("state", "open")
    form = QueueFilterForm(given, items=items, areas=[(a.code, labels.get(a.path, a.name)) for a in areas])
    # A filter that does not parse lists nobody (never the whole area instead).
    rows: QuerySet[Case] = Case.objects.none()
    if form.is_valid():
        chosen = form.cleaned_data
        rows = selectors.staff_cases(
            actor,
            state=chosen["state"],
            overdue=chosen["overdue"],
            mine=chosen["mine"],
            area_path=selectors.case_area(actor, chosen["area"]).path if chosen.get("area") else "",
            channel=chosen["channel"],
            item=chosen["item"],
        )
    else:
        messages.error(request, errors_text(form))
    page = QueuePaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    cases = list(page.object_list)
    places = area_labels(c.area.path for c in cases)
    base = reverse("casework:queue")  # a case's page is base + id + "/": one reverse, not fifty
    now = timezone.now()
    can_handle = has_capability(actor, Capability.CASE_HANDLE)
    shown = []
    for case in cases:
        overdue, soon = _deadline_marks(case, now)
        shown.append(
            {
                "case": case,
                "who": mask_name(case.applicant.name) if case.applicant is not None else case.address_text,
                "place": places.get(case.area.path, case.area.name),
                "overdue": overdue,
                "soon": soon,
                "mine": case.assigned_to_id == actor.pk,
                "url": f"{base}{case.pk}/",
                "can_take": can_handle and case.assigned_to_id is None and case.state in OPEN_STATES,
            }
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "casework/staff_queue.html",
        {
            "form": form,
            "page": page,
            "rows": shown,
            "query": query.urlencode(),
            "can_file": can_handle,
            "more_than": selectors.QUEUE_COUNT_CAP if page.paginator.count > selectors.QUEUE_COUNT_CAP else None,
        },
    )


@login_required
@require_POST
def take(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponseBase:
    try:
        case = services.case_take(actor=request.user, case_id=case_id)
    except ValidationError as exc:
        # The loser is told who has it (services.CaseTaken names them).
        messages.error(request, join_messages(exc.messages))
    else:
        messages.success(request, _("You have taken case %(number)s.") % {"number": case.number})
    return redirect(_back(request, reverse("casework:case", args=[case_id])))


@login_required
@require_POST
def release(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponseBase:
    try:
        case = services.case_release(actor=request.user, case_id=case_id)
    except ValidationError as exc:
        messages.error(request, join_messages(exc.messages))
    else:
        messages.success(request, _("Case %(number)s is back in the queue.") % {"number": case.number})
    return redirect(_back(request, reverse("casework:case", args=[case_id])))


# ---- one case -----------------------------------------------------------------------------------------


def _form_rows(case: Case) -> list[tuple[str, str]]:
    """The form's values under their labels, by the version the case was filed under. A household member
    is shown by masked name (an id means nothing to a reader, a full name is more than the page needs)."""
    spec = case.item_version.snapshot.get("form", []) if case.item_version is not None else []
    try:
        values = json.loads(case.form_data or "{}")
    except (TypeError, ValueError):
        values = {}
    people_ids = [values[f["name"]] for f in spec if f["type"] == "household_member" and f["name"] in values]
    names = dict(Person.objects.filter(pk__in=people_ids).values_list("pk", "name")) if people_ids else {}
    rows = []
    for field in spec:
        if field["type"] == "file" or field["name"] not in values:
            continue
        value = values[field["name"]]
        if field["type"] == "household_member":
            value = mask_name(names.get(value, "")) or "—"
        rows.append((field["label"], str(value)))
    return rows


def _case_context(request: AuthenticatedHttpRequest, case: Case, **forms: Any) -> dict[str, Any]:
    actor = request.user
    materials = material_names(case)
    attachments = list(case.attachments.select_related("uploaded_by").order_by("uploaded_at", "id"))
    snapshot_materials = case.item_version.snapshot.get("materials", []) if case.item_version is not None else []
    material_rows = [
        {
            "code": m["code"],
            "name": m["name"],
            "required": m.get("required", True),
            "files": [a for a in attachments if a.material == m["code"]],
        }
        for m in snapshot_materials
    ]
    listed = {m["code"] for m in snapshot_materials}
    other_files = [a for a in attachments if a.material not in listed]
    allowed = services.actions_allowed(actor, case) if case.state in OPEN_STATES else []
    # Acting for the applicant (supplying materials, withdrawing) is for cases staff filed for them.
    if case.channel not in (ChannelChoice.PROXY, ChannelChoice.DOOR):
        allowed = [t for t in allowed if t.action not in (Action.SUPPLY_MATERIALS, Action.WITHDRAW)]
    # The request for materials comes with every required material that has no file yet already ticked.
    missing = [m["code"] for m in material_rows if m["required"] and not m["files"]]
    actions = [
        {
            "transition": t,
            "form": forms.get(t.action.value)
            or ActionForm(
                initial={"action": t.action.value, "materials": missing},
                materials=materials,
                prefix=t.action.value,
            ),
        }
        for t in allowed
    ]
    can_handle = _holds(actor, Capability.CASE_HANDLE, case.area)
    request_open = selectors.open_material_request(case)
    overdue, soon = _deadline_marks(case, timezone.now())
    labels = area_labels([case.area.path])
    return {
        "case": case,
        "place": labels.get(case.area.path, case.area.name),
        "applicant_name": mask_name(case.applicant.name) if case.applicant is not None else "",
        "form_rows": _form_rows(case),
        "materials": material_rows,
        "other_files": other_files,
        "timeline": [
            (e, action_label(f"casework.{e.action}"), services.VISIT_OUTCOMES.get(e.data.get("outcome", ""), ""))
            for e in selectors.timeline(case, for_resident=False)
        ],
        "actions": actions,
        "open_request": request_open,
        "can_handle": can_handle and case.state in OPEN_STATES,
        "attach_form": forms.get("attach") or AttachForm(materials=materials),
        "visit_form": (forms.get("visit") or VisitForm()) if case.channel == ChannelChoice.DOOR else None,
        "can_take": can_handle and case.assigned_to_id is None and case.state in OPEN_STATES,
        "can_release": case.assigned_to_id is not None
        and case.state in OPEN_STATES
        and (case.assigned_to_id == actor.pk or _holds(actor, Capability.CASE_DECIDE, case.area)),
        "overdue": overdue,
        "soon": soon,
        "consent": services.CONSENT_METHODS.get(case.consent_method, ""),
        "prints": [
            (printing.RECEIPT, _("Receipt of acceptance (PDF)"), printing.receipt_available(case)),
            (
                printing.MATERIALS_NOTICE,
                _("One-time notice of missing materials (PDF)"),
                printing.notice_available(case),
            ),
        ],
    }


@login_required
@require_GET
def case_detail(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponseBase:
    case = selectors.staff_case(request.user, case_id)
    return render(request, "casework/staff_case.html", _case_context(request, case))


def _rerender(request: AuthenticatedHttpRequest, case_id: int, **forms: Any) -> HttpResponse:
    case = selectors.staff_case(request.user, case_id)
    return render(request, "casework/staff_case.html", _case_context(request, case, **forms), status=400)


@login_required
@require_POST
def act(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponseBase:
    """One transition. A refusal (the state moved on, a reason or the materials missing) comes back on the
    action's own form, in Chinese, and nothing changes."""
    case = selectors.staff_case(request.user, case_id)
    action = request.POST.get("action", "")
    prefix = action if action in {a.value for a in Action} else None
    form = ActionForm(request.POST, materials=material_names(case), prefix=prefix)
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return redirect("casework:case", case_id=case.pk)
    try:
        case = services.case_act(
            actor=request.user,
            case_id=case.pk,
            action=form.cleaned_data["action"],
            note=form.cleaned_data["note"],
            materials=form.cleaned_data["materials"],
        )
    except ValidationError as exc:
        messages.error(request, join_messages(exc.messages))
        if prefix is None:
            return redirect("casework:case", case_id=case.pk)
        return _rerender(request, case.pk, **{prefix: form})
    messages.success(
        request, _("Case %(number)s: %(state)s.") % {"number": case.number, "state": case.get_state_display()}
    )
    return redirect("casework:case", case_id=case.pk)


def _attach_all(request: AuthenticatedHttpRequest, case: Case, uploads: list[tuple[str, Any]]) -> int:
    for material, upload in uploads:
        services.case_attach(
            actor=request.user, case_id=case.pk, material=material, upload=upload, filename=upload.name or "file"
        )
    return len(uploads)


@login_required
@require_POST
def attach(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponseBase:
    case = selectors.staff_case(request.user, case_id)
    form = AttachForm(request.POST, request.FILES, materials=material_names(case))
    if form.is_valid():
        try:
            _attach_all(request, case, [(form.cleaned_data["material"], form.cleaned_data["file"])])
        except ValidationError as exc:
            messages.error(request, join_messages(exc.messages))
            return _rerender(request, case.pk, attach=form)
        messages.success(request, _("The file was added."))
        return redirect("casework:case", case_id=case.pk)
    messages.error(request, errors_text(form))
    return _rerender(request, case.pk, attach=form)


@login_required
@require_POST
def visit(request: AuthenticatedHttpRequest, case_id: int) -> HttpResponseBase:
    """A door-to-door visit: its result and note, and its photos (attachments of the case). The photos'
    types are checked before anything is written; the visit is recorded first, then each photo."""
    case = selectors.staff_case(request.user, case_id)
    form = VisitForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return _rerender(request, case.pk, visit=form)
    try:
        services.case_visit_record(
            actor=request.user, case_id=case.pk, outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"]
        )
        photos = _attach_all(request, case, [(VISIT_PHOTO, p) for p in form.cleaned_data["photos"]])
    except ValidationError as exc:
        messages.error(request, join_messages(exc.messages))
        return _rerender(request, case.pk, visit=form)
    messages.success(request, _("The visit was recorded (%(n)d photos).") % {"n": photos})
    return redirect("casework:case", case_id=case.pk)


@login_required
@require_GET
def attachment(request: AuthenticatedHttpRequest, attachment_id: int) -> HttpResponseBase:
    """A case's file, for whoever may see the case; every download is audited (attachment_open)."""
    found, stream = services.attachment_open(actor=request.user, attachment_id=attachment_id)
    response = FileResponse(stream, content_type=found.content_type, as_attachment=True, filename=found.filename)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def print_document(request: AuthenticatedHttpRequest, case_id: int, document: str) -> HttpResponseBase:
    case, content = printing.case_print(actor=request.user, case_id=case_id, document=document)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{case.number}-{document}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# ---- filing for a resident ----------------------------------------------------------------------------


def _staff_items() -> list[tuple[str, str]]:
    """Items staff may file for a resident: about a person, offered by proxy or door to door."""
    return [
        (item.code, item.name)
        for item in catalogue.catalogue_items().filter(concerns_place=False)
        if any(c in item.channels for c in STAFF_CHANNELS)
    ]


def _applicant(actor: Any, raw: str) -> Person:
    """The chosen resident, only within the actor's area (an id from elsewhere is a 404)."""
    try:
        pk = int(raw)
    except (TypeError, ValueError):
        raise Http404 from None
    person = (
        Person.objects.visible_to(actor, Capability.CASE_HANDLE)
        .select_related("area", "address")
        .filter(pk=pk, status=PersonStatus.ACTIVE)
        .first()
    )
    if person is None:
        raise Http404
    return person


def _household(person: Person) -> list[tuple[int, str]]:
    if not person.household_id:
        return [(person.pk, mask_name(person.name))]
    members = Person.objects.filter(household_id=person.household_id, status=PersonStatus.ACTIVE).order_by("pk")
    return [(m.pk, f"{mask_name(m.name)}（{m.get_relation_display() or '-'}）") for m in members]


def _found(actor: Any, query: str) -> list[Person]:
    """Residents matching the search, within the actor's area where they may file (at most 20)."""
    if not query:
        return []
    people = resident_selectors.residents(actor=actor, query=query, cap=200)
    handled = Person.objects.visible_to(actor, Capability.CASE_HANDLE)
    return list(people.filter(pk__in=handled.values("pk")).select_related("area", "address")[:20])


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """File a case for a resident (社区代办 with their consent, or 网格内上门办 for the grid's worker).
    Posts only, so no name searched or chosen ever appears in an address: step "search" finds the
    resident, step "form" shows the item's form, step "file" files the case."""
    actor = request.user
    require_capability(actor, Capability.CASE_HANDLE)
    items = _staff_items()
    step = request.POST.get("step", "") if request.method == "POST" else ""
    choose = ChooseForm(request.POST if step else None, items=items, initial={"channel": ChannelChoice.PROXY})
    context: dict[str, Any] = {"choose": choose, "found": [], "searched": False}
    if not step or not choose.is_valid():
        if step:
            messages.error(request, errors_text(choose))
        return render(request, "casework/staff_new.html", context, status=400 if step else 200)
    channel, code = choose.cleaned_data["channel"], choose.cleaned_data["item"]
    item = catalogue.catalogue_item(code)
    if channel not in item.channels:
        choose.add_error("channel", _("This item is not offered on this channel."))
        messages.error(request, errors_text(choose))
        return render(request, "casework/staff_new.html", context, status=400)
    if step == "search" or not request.POST.get("applicant"):
        try:
            context["found"] = [
                (p, mask_name(p.name), p.address.label if p.address is not None else "")
                for p in _found(actor, choose.cleaned_data["q"])
            ]
        except ValidationError as exc:
            choose.add_error("q", exc)
        context["searched"] = True
        return render(request, "casework/staff_new.html", context)
    person = _applicant(actor, request.POST["applicant"])
    spec = catalogue.item_version(item).snapshot.get("form", [])
    filing = FilingForm(
        request.POST if step == "file" else None,
        request.FILES if step == "file" else None,
        spec=spec,
        household=_household(person),
        applicant_id=person.pk,
        proxy=channel == ChannelChoice.PROXY,
    )
    context.update(
        {
            "item": item,
            "channel": channel,
            "channel_label": ChannelChoice(channel).label,
            "person": person,
            "person_name": mask_name(person.name),
            "filing": filing,
        }
    )
    if step == "file":
        if filing.is_valid():
            try:
                case = services.case_file(
                    actor=actor,
                    channel=channel,
                    filing=services.Filing(
                        item_code=item.code,
                        applicant_id=person.pk,
                        form=filing.values(),
                        description=filing.cleaned_data["description"],
                    ),
                    consent_method=filing.cleaned_data.get("consent_method", ""),
                    consent_note=filing.cleaned_data.get("consent_note", ""),
                    proxy_reason=filing.cleaned_data.get("proxy_reason", ""),
                )
            except ValidationError as exc:
                for key, errors in getattr(exc, "error_dict", {None: exc.error_list}).items():
                    filing.add_error(filing.field_of(key) if key else None, errors)
            else:
                # The files were checked with the form; they are sealed after the case is filed.
                try:
                    _attach_all(request, case, filing.uploads())
                except ValidationError as exc:
                    messages.error(request, join_messages(exc.messages))
                messages.success(request, _("Case %(number)s was filed.") % {"number": case.number})
                return redirect("casework:case", case_id=case.pk)
        messages.error(request, errors_text(filing))
        return render(request, "casework/staff_new.html", context, status=400)
    return render(request, "casework/staff_new.html", context)


# ---- figures ------------------------------------------------------------------------------------------


def _figure_row(actor: Any, area: Area, label: str) -> dict[str, Any]:
    f = selectors.figures(actor, area)
    return {
        "area": area,
        "label": label,
        "figures": f,
        "on_time": round(f.on_time_rate * 100, 1) if f.on_time_rate is not None else None,
        "satisfaction": round(f.satisfaction * 100, 1) if f.satisfaction is not None else None,
        "channels": [(c, label, f.by_channel.get(c, 0)) for c, label in ChannelChoice.choices],
    }


@login_required
@require_GET
def figures(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """Figures of an area of the reader's (their own by default) and of each area below it, with a link
    down: channels, on-time rate, working days to close, overdue, satisfaction."""
    actor = request.user
    require_capability(actor, Capability.CASE_READ)
    code = request.GET.get("area", "")
    if code:
        area = selectors.case_area(actor, code[:20])
    else:
        paths = granted_paths(actor, Capability.CASE_READ)
        first = Area.objects.filter(path__in=paths).order_by("level", "code").first()
        if first is None:
            raise Http404
        area = first
    children = list(Area.objects.filter(parent=area).order_by("code")) if area.level < Level.GRID else []
    labels = area_labels([area.path])
    total = _figure_row(actor, area, labels.get(area.path, area.name))
    rows = [_figure_row(actor, child, child.name) for child in children]
    chart = {
        "channels": [{"name": str(label), "value": n} for _code, label, n in total["channels"]],
        "areas": [r["label"] for r in rows],
        "on_time": [r["on_time"] for r in rows],
        "overdue": [r["figures"].overdue for r in rows],
        "labels": {
            "channels": _("Share of each channel"),
            "on_time": _("On-time rate (%)"),
            "overdue": _("Overdue cases"),
        },
    }
    parent = (
        area.parent
        if area.parent is not None
        and any(area.parent.path.startswith(p) for p in granted_paths(actor, Capability.CASE_READ))
        else None
    )
    return render(
        request,
        "casework/staff_figures.html",
        {
            "area": area,
            "parent": parent,
            "total": total,
            "rows": rows,
            "chart": chart,
            "channel_choices": ChannelChoice.choices,
        },
    )

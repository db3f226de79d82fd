from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseBase, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.lib.capabilities import Capability
from shequ.lib.feedback import errors_text
from shequ.lib.scoping import ActorHttpRequest, require_capability
from shequ.lib.tabular import xlsx_response

from . import selectors
from .forms import EventFilterForm
from .models import AuditEvent
from .readable import readable, readable_alerts, workbook
from .services import alert_acknowledge, last_checkpoint, trail_export, verify_chain

ALERTS_SHOWN = 50


FILTERS = ("person", "action", "area", "since", "until")


def _filtered(request: ActorHttpRequest, data: QueryDict) -> tuple[EventFilterForm, QuerySet[AuditEvent], str]:
    """The filter form and the events it selects (none while a filter is wrong), and the area's path."""
    form = EventFilterForm(data)
    if not form.is_valid():
        return form, AuditEvent.objects.none(), ""
    given = form.cleaned_data
    area_path = ""
    if given["area"]:
        area_path = selectors.audit_area_path(actor=request.user, code=given["area"]) or ""
        if not area_path:
            form.add_error("area", _("No area with this code within your reach."))
            return form, AuditEvent.objects.none(), ""
    events = selectors.audit_events(
        actor=request.user,
        action=given["action"],
        person=given["person"],
        area_path=area_path,
        since=given["since"],
        until=given["until"],
    )
    return form, events, area_path


@login_required
def events(request: ActorHttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.AUDIT_READ)
    form, found, _area_path = _filtered(request, request.GET)
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    chain = verify_chain() if request.GET.get("verify") else None
    filters = [(name, request.GET[name]) for name in FILTERS if request.GET.get(name) and not form.errors]
    context = {
        "form": form,
        "page": page,
        "rows": readable(list(page.object_list)),
        "filters": filters,
        "query": urlencode(filters),
        "chain": chain,
        "alerts": readable_alerts(list(selectors.alerts(actor=request.user)[:ALERTS_SHOWN])),
        "checkpoint": chain.checkpoint if chain and chain.checkpoint else last_checkpoint(),
    }
    return render(request, "audit/events.html", context)


@login_required
@require_POST
def export(request: ActorHttpRequest) -> HttpResponseBase:
    """The filtered trail as an Excel workbook, in words like the page; the export is itself audited."""
    require_capability(request.user, Capability.AUDIT_READ)
    form, found, area_path = _filtered(request, request.POST)
    back = reverse("audit:events")
    if form.errors:
        messages.error(request, errors_text(form))
        return HttpResponseRedirect(back)
    try:
        rows = trail_export(actor=request.user, events=found, area_path=area_path)
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
        return HttpResponseRedirect(back)
    return xlsx_response(workbook(rows), "audit.xlsx")


@login_required
@require_POST
def alert_acknowledge_view(request: ActorHttpRequest, alert_id: int) -> HttpResponse:
    alert_acknowledge(actor=request.user, alert_id=alert_id)
    messages.success(request, _("Alert #%(id)d acknowledged.") % {"id": alert_id})
    return HttpResponseRedirect(reverse("audit:events"))

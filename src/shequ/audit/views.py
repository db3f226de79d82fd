from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.lib.capabilities import Capability
from shequ.lib.scoping import ActorHttpRequest, require_capability

from . import selectors
from .services import alert_acknowledge, last_checkpoint, verify_chain

ALERTS_SHOWN = 50


@login_required
def events(request: ActorHttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.AUDIT_READ)
    action = request.GET.get("action", "")[:64]
    page = Paginator(selectors.audit_events(actor=request.user, action=action), 50).get_page(request.GET.get("page"))
    chain = verify_chain() if request.GET.get("verify") else None
    context = {
        "page": page,
        "action": action,
        "chain": chain,
        "alerts": selectors.alerts(actor=request.user)[:ALERTS_SHOWN],
        "checkpoint": chain.checkpoint if chain and chain.checkpoint else last_checkpoint(),
    }
    return render(request, "audit/events.html", context)


@login_required
@require_POST
def alert_acknowledge_view(request: ActorHttpRequest, alert_id: int) -> HttpResponse:
    alert_acknowledge(actor=request.user, alert_id=alert_id)
    messages.success(request, _("Alert #%(id)d acknowledged.") % {"id": alert_id})
    return HttpResponseRedirect(reverse("audit:events"))

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from shequ.lib.capabilities import Capability
from shequ.lib.scoping import ActorHttpRequest, require_capability

from . import selectors
from .services import verify_chain


@login_required
def events(request: ActorHttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.AUDIT_READ)
    action = request.GET.get("action", "")[:64]
    page = Paginator(selectors.audit_events(actor=request.user, action=action), 50).get_page(request.GET.get("page"))
    chain = verify_chain() if request.GET.get("verify") else None
    return render(request, "audit/events.html", {"page": page, "action": action, "chain": chain})

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.privacy.fields import masked

from . import selectors, services
from .senders import console_backend

INBOX_PAGE_SIZE = 50


def dev_outbox(request: HttpRequest) -> HttpResponse:
    """The development SMS outbox: what the console sender "sent" lately, codes included. Exists only
    while SMS goes to the console (which reaches no phone); with a real sender it is a 404. No sign-in:
    a resident asking for a code has no session yet. Never in production (SHEQU_PRODUCTION=1), whatever
    the sender: a forgotten SHEQU_SMS_BACKEND must not publish every resident's sign-in code."""
    if not console_backend() or settings.PRODUCTION:
        raise Http404
    rows = [(m, masked(m, "phone")) for m in selectors.dev_recent_sms()]
    response = render(
        request,
        "outbox/dev.html",
        {
            "rows": rows,
            "shown": selectors.DEV_SMS_SHOWN,
            "minutes": int(selectors.DEV_SMS_WINDOW.total_seconds() // 60),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


# Set by the portal's sign-in: the session's pages use the portal's phone layout (this layer may not ask
# the accounts app which roles the account holds).
PORTAL_LAYOUT_SESSION_KEY = "shequ_portal_layout"


def _base_template(request: HttpRequest) -> str:
    return "portal/base_portal.html" if request.session.get(PORTAL_LAYOUT_SESSION_KEY) else "base.html"


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    assert request.user.is_authenticated
    page = Paginator(selectors.inbox(actor=request.user), INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "outbox/inbox.html", {"page": page, "base_template": _base_template(request)})


@login_required
@require_POST
def mark_read(request: HttpRequest, message_id: int | None = None) -> HttpResponseBase:
    assert request.user.is_authenticated
    services.message_mark_read(actor=request.user, message_id=message_id)
    if message_id is None:
        messages.success(request, _("All messages marked as read."))
    return redirect("outbox:inbox")

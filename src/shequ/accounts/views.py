import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shequ.lib.feedback import errors_text, submit
from shequ.privacy.forms import RevealForm

from . import selectors, services
from .forms import AccountForm, GrantForm, SignInForm
from .http import AuthenticatedHttpRequest
from .middleware import SESSION_STARTED_KEY
from .models import GrantRequest


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponseBase:
    form = SignInForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    status = 200
    if request.method == "POST" and form.is_valid():
        outcome = services.sign_in(request=request, **form.cleaned_data)
        if outcome.gate is services.Gate.LOCKED:
            status = 429
            minutes = settings.SHEQU_LOCKOUT_WINDOW_SECONDS // 60
            message = _("Too many failed sign-ins. Try again in %(minutes)d minutes.") % {"minutes": minutes}
            form.add_error(None, message)
        elif outcome.gate is services.Gate.THROTTLED:
            status = 429
            form.add_error(None, _("Too many attempts. Please try again later."))
        elif outcome.user is None:
            form.add_error(None, _("The user name or password is wrong."))
        else:
            login(request, outcome.user)
            request.session[SESSION_STARTED_KEY] = time.time()
            if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                next_url = ""
            return redirect(next_url or "home")
    return render(request, "accounts/sign_in.html", {"form": form, "next": next_url}, status=status)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponseBase:
    logout(request)
    return redirect("login")


@login_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/profile.html",
        {
            "account": request.user,
            "grants": selectors.my_grants(actor=request.user),
            "form": RevealForm(),
            "reveal_url": reverse("accounts:reveal", args=[request.user.pk]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def manage(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    accounts = selectors.managed_accounts(actor=request.user)
    form = AccountForm(request.POST or None)
    user = submit(form, lambda data: services.account_create(actor=request.user, **data))
    if user is not None:
        messages.success(request, _("Account created."))
        return redirect("accounts:detail", user_id=user.pk)
    requests = selectors.pending_grant_requests(actor=request.user)
    return render(
        request, "accounts/manage.html", {"accounts": accounts[:500], "form": form, "requests": requests[:200]}
    )


@login_required
@require_http_methods(["GET", "POST"])
def detail(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponseBase:
    account = selectors.managed_account(actor=request.user, user_id=user_id)
    form = GrantForm(request.POST or None)
    if request.method == "POST":
        if "remove" in request.POST:
            grant_id = request.POST["remove"]
            if not grant_id.isdigit():
                raise Http404
            try:
                services.grant_remove(actor=request.user, grant_id=int(grant_id))
            except ValidationError as exc:
                messages.error(request, errors_text(exc))
            else:
                messages.success(request, _("Grant removed."))
            return redirect("accounts:detail", user_id=user_id)
        asked = submit(form, lambda data: services.grant_request(actor=request.user, user_id=user_id, **data))
        if asked is not None:
            if asked.state == GrantRequest.State.PENDING:
                messages.success(
                    request, _("Grant requested: it takes effect when a second administrator approves it.")
                )
            else:
                messages.success(request, _("Grant added."))
            return redirect("accounts:detail", user_id=user_id)
    requests = selectors.pending_grant_requests(actor=request.user, user_id=account.pk)
    return render(request, "accounts/detail.html", {"account": account, "form": form, "requests": requests})


@login_required
@require_POST
def decide(request: AuthenticatedHttpRequest, request_id: int) -> HttpResponseBase:
    """Approve or refuse a pending grant (the one who asked withdraws it with "refuse"); back to the page
    the button was on."""
    decision = request.POST.get("decision")
    if decision not in ("approve", "refuse"):
        raise Http404
    try:
        if decision == "approve":
            services.grant_approve(actor=request.user, request_id=request_id)
            messages.success(request, _("Grant approved."))
        else:
            refused = services.grant_refuse(actor=request.user, request_id=request_id)
            messages.success(
                request,
                _("Request withdrawn.") if refused.state == GrantRequest.State.WITHDRAWN else _("Request refused."),
            )
    except ValidationError as exc:
        messages.error(request, errors_text(exc))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    return redirect(back or "accounts:manage")

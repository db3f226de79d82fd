import time

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shequ.lib.feedback import errors_text, submit, submit_and_flash
from shequ.privacy.forms import RevealForm

from . import selectors, services
from .forms import AccountForm, GrantForm, PasswordChangeForm, PasswordResetForm, SignInForm
from .http import AuthenticatedHttpRequest
from .middleware import SESSION_STARTED_KEY
from .models import GrantRequest
from .passwords import password_rules


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
def password_change(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """Change one's own password; where an account is sent at sign-in while its password is an initial one."""
    form = PasswordChangeForm(request.POST or None)
    changed = submit(
        form,
        lambda data: services.password_change(
            actor=request.user, old_password=data["old_password"], new_password=data["new_password"]
        ),
    )
    if changed is not None:
        update_session_auth_hash(request, request.user)  # this session stays signed in; others end
        messages.success(request, _("Password changed."))
        return redirect("home")
    return render(
        request,
        "accounts/password.html",
        {"form": form, "rules": password_rules(), "forced": request.user.must_change_password},
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
    form = GrantForm(request.POST if "role" in request.POST else None)
    reset_form = PasswordResetForm(request.POST if "reset" in request.POST else None)
    if request.method == "POST":
        action = next((a for a in ("reset", "disable", "enable", "unlock") if a in request.POST), None)
        if action is not None:
            _account_action(request, account.pk, action, reset_form)
            return redirect("accounts:detail", user_id=user_id)
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
    return render(
        request,
        "accounts/detail.html",
        {
            "account": account,
            "form": form,
            "reset_form": reset_form,
            "rules": password_rules(),
            "requests": requests,
            "is_self": account.pk == request.user.pk,
        },
    )


def _account_action(
    request: AuthenticatedHttpRequest, user_id: int, action: str, reset_form: PasswordResetForm
) -> None:
    """Reset the password, disable, enable or unlock an account; the outcome is a flash message."""
    done = {
        "reset": _("Temporary password set: the account changes it at its next sign-in."),
        "disable": _("Account disabled."),
        "enable": _("Account enabled."),
        "unlock": _("Account unlocked."),
    }
    writes = {
        "reset": lambda data: services.account_reset_password(
            actor=request.user, user_id=user_id, password=data["password"]
        ),
        "disable": lambda data: services.account_set_active(actor=request.user, user_id=user_id, is_active=False),
        "enable": lambda data: services.account_set_active(actor=request.user, user_id=user_id, is_active=True),
        "unlock": lambda data: services.account_unlock(actor=request.user, user_id=user_id),
    }
    form = reset_form if action == "reset" else forms.Form(request.POST)
    submit_and_flash(request, form, writes[action], str(done[action]))


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

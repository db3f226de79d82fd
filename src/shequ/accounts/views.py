import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shequ.lib.feedback import submit
from shequ.privacy.forms import RevealForm

from . import selectors, services
from .forms import AccountForm, GrantForm, SignInForm
from .http import AuthenticatedHttpRequest
from .middleware import SESSION_STARTED_KEY


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponseBase:
    form = SignInForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST" and form.is_valid():
        outcome = services.sign_in(request=request, **form.cleaned_data)
        if outcome.locked_out:
            minutes = settings.SHEQU_LOCKOUT_WINDOW_SECONDS // 60
            message = _("Too many failed sign-ins. Try again in %(minutes)d minutes.") % {"minutes": minutes}
            form.add_error(None, message)
        elif outcome.user is None:
            form.add_error(None, _("The user name or password is wrong."))
        else:
            login(request, outcome.user)
            request.session[SESSION_STARTED_KEY] = time.time()
            if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                next_url = ""
            return redirect(next_url or "home")
    return render(request, "accounts/sign_in.html", {"form": form, "next": next_url})


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
    return render(request, "accounts/manage.html", {"accounts": accounts[:500], "form": form})


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
            services.grant_remove(actor=request.user, grant_id=int(grant_id))
            messages.success(request, _("Grant removed."))
            return redirect("accounts:detail", user_id=user_id)
        if submit(form, lambda data: services.grant_add(actor=request.user, user_id=user_id, **data)):
            messages.success(request, _("Grant added."))
            return redirect("accounts:detail", user_id=user_id)
    return render(request, "accounts/detail.html", {"account": account, "form": form})

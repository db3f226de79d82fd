"""The resident portal's sign-in, sign-out and home. The residents' own pages (cases, /portal/cases/)
are built on ``portal/base_portal.html`` and sent here to sign in."""

import time

from django.contrib.auth import login, logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from shequ.accounts import phone_codes
from shequ.accounts.middleware import SESSION_STARTED_KEY
from shequ.lib.feedback import add_errors
from shequ.lib.http import client_ip
from shequ.lib.masking import mask_phone
from shequ.outbox.senders import console_backend
from shequ.outbox.views import PORTAL_LAYOUT_SESSION_KEY

from . import selectors, services
from .forms import CodeForm, PhoneForm

# Django's own backend: a resident account has no password, but the session records which backend
# authenticated it (more than one is configured when a city adds its single sign-on).
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _next_url(request: HttpRequest) -> str:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return ""
    return next_url


def _throttled(error: ValidationError) -> bool:
    return any(e.code == services.THROTTLED for errors in error.error_dict.values() for e in errors)


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponseBase:
    """Two steps on one page: the phone ("get a code"), then the code. Posting ``code`` signs in;
    posting only ``phone`` (first time or again) sends a code."""
    next_url = _next_url(request)
    if selectors.is_resident(request.user):
        return redirect(next_url or "portal:home")
    status = 200
    phone_form = PhoneForm(request.POST if request.method == "POST" and "code" not in request.POST else None)
    code_form: CodeForm | None = None
    sent_to = ""
    if request.method == "POST" and "code" in request.POST:
        code_form = CodeForm(request.POST)
        if code_form.is_valid():
            try:
                user = services.phone_code_verify(
                    phone=code_form.cleaned_data["phone"], code=code_form.cleaned_data["code"], ip=client_ip(request)
                )
            except ValidationError as exc:
                add_errors(code_form, exc)
            else:
                login(request, user, backend=BACKEND)
                request.session[SESSION_STARTED_KEY] = time.time()
                request.session[PORTAL_LAYOUT_SESSION_KEY] = True
                return redirect(next_url or "portal:home")
        sent_to = _masked(request.POST.get("phone", ""))
    elif request.method == "POST" and phone_form.is_valid():
        phone = phone_form.cleaned_data["phone"]
        try:
            services.phone_code_send(phone=phone, ip=client_ip(request))
        except ValidationError as exc:
            add_errors(phone_form, exc)
            if _throttled(exc):
                status = 429
        else:
            code_form = CodeForm(initial={"phone": phone})
            sent_to = _masked(phone)
    return render(
        request,
        "portal/login.html",
        {
            "phone_form": phone_form,
            "code_form": code_form,
            "sent_to": sent_to,
            "next": next_url,
            "dev_outbox": console_backend(),
        },
        status=status,
    )


def _masked(phone: str) -> str:
    try:
        return mask_phone(phone_codes.normalise_phone(phone))
    except ValidationError:
        return ""


@require_POST
def sign_out(request: HttpRequest) -> HttpResponseBase:
    logout(request)
    return redirect("portal:login")


def home(request: HttpRequest) -> HttpResponseBase:
    """Who is signed in, and the way to their cases. Staff are told the portal is for residents."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("portal:login"))
    resident = selectors.is_resident(request.user)
    response: HttpResponse = render(request, "portal/home.html", {"resident": resident})
    return response

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

SESSION_STARTED_KEY = "shequ_session_started"


SESSION_RENEWED_KEY = "shequ_session_renewed"


class SessionLifetimeMiddleware:
    """Ends a session a fixed time after sign-in, however active, and renews its idle timeout (the
    session's age, ``SESSION_COOKIE_AGE``) when it is used: at most once every
    ``SHEQU_SESSION_RENEW_SECONDS``, since renewing is a write of the session row (saving it on every
    request cost 7-18 ms of each of them)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.setdefault(SESSION_STARTED_KEY, now)
            if now - request.session.get(SESSION_RENEWED_KEY, 0) > settings.SHEQU_SESSION_RENEW_SECONDS:
                request.session[SESSION_RENEWED_KEY] = now  # modified: saved with a new expiry
            if now - started > settings.SHEQU_SESSION_ABSOLUTE_SECONDS:
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


# What an account that must change its password may still reach: the change itself, signing out, the
# language switch, and the static files the page needs.
_OPEN_WHILE_CHANGING = ("/accounts/password/", "/accounts/logout/", "/i18n/", "/static/")


class PasswordChangeRequiredMiddleware:
    """An account whose password an administrator chose (new, or reset) changes it before anything else:
    pages redirect to the change form, the API answers 403 saying so."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(_OPEN_WHILE_CHANGING)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": _("Change your initial password first.")}, status=403)
            return redirect("accounts:password")
        return self.get_response(request)

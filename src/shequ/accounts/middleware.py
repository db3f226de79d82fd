import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseBase

SESSION_STARTED_KEY = "shequ_session_started"


class SessionLifetimeMiddleware:
    """Ends a session a fixed time after sign-in, however active (the idle timeout is the cookie age,
    renewed on every request)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.user.is_authenticated:
            started = request.session.setdefault(SESSION_STARTED_KEY, time.time())
            if time.time() - started > settings.SHEQU_SESSION_ABSOLUTE_SECONDS:
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)

"""The request of a signed-in page or API call, typed for the apps at and above accounts."""

from __future__ import annotations

from django.http import HttpRequest

from .models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request behind sign-in (``login_required``, or the API's default session auth): its user is an
    account, never the anonymous visitor. Views and endpoints pass ``request.user`` as the ``actor``."""

    user: User

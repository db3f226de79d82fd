"""The site's error pages (wired as ``handler403``/``handler404``/``handler500`` in ``shequ.urls``).

Two refusals look different on purpose: a page the role may never open (``CapabilityMissing``, or a
``PermissionDenied``) is "no permission", 403, because which pages a role has is no secret; a row outside
the actor's area, or one that does not exist, is "not found", 404, the same for both: nothing to probe.
The pages carry nothing from the request (no path, no query: it may hold a typed identifier)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _

from shequ.lib.scoping import CapabilityMissing


def _api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _api(request):
        return JsonResponse({"detail": _("You have no permission for this.")}, status=403)
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, CapabilityMissing) and not _api(request):
        return permission_denied(request, exception)
    if _api(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: whatever failed (the database, a context processor) must not fail this too.
    if _api(request):
        return JsonResponse({"detail": _("Something went wrong on our side.")}, status=500)
    return HttpResponse(loader.get_template("500.html").render(), status=500)


class ErrorPagesMiddleware:
    """Shows the site's 403 and 404 pages for what a page's view raises, with DEBUG on too (Django would
    show its debug page for a 404, which lists the site's URL patterns, and a 404 for a missing
    capability). The API keeps its own JSON answers (``shequ.api``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if _api(request):
            return None
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return permission_denied(request, exception)
        return None

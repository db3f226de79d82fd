"""The one NinjaAPI. Every operation requires a signed-in session unless it is in PUBLIC_OPERATIONS
(a test fails when an operation without authentication is missing from that list)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError
from ninja.security import django_auth

from shequ.accounts.api import router as accounts_router
from shequ.areas.api import router as areas_router
from shequ.audit.api import router as audit_router
from shequ.casework.api import router as casework_router
from shequ.entities.api import router as entities_router
from shequ.imports.api import router as imports_router
from shequ.privacy.api import router as privacy_router
from shequ.programmes.children.api import router as children_router
from shequ.programmes.common.api import router as programmes_router
from shequ.programmes.eldercare.api import router as eldercare_router
from shequ.programmes.homecare.api import router as homecare_router
from shequ.programmes.volunteers.api import router as volunteers_router
from shequ.reference.api import router as reference_router
from shequ.residents.api import router as residents_router
from shequ.resources.api import router as resources_router

PUBLIC_OPERATIONS = {"health"}

api = NinjaAPI(
    title="Shequ API",
    version="1",
    description="社区服务平台接口 — the REST API of Shequ. Sign in through /accounts/login/; the session "
    "cookie authenticates API calls, and writes need the CSRF token (header X-CSRFToken).",
    auth=django_auth,
    urls_namespace="api",
)


class ErrorOut(Schema):
    detail: str


class FieldErrorOut(Schema):
    detail: list[dict[str, str]]


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Service-level validation: 422 with one entry per field, messages in the request's language."""
    if hasattr(exc, "error_dict"):
        items = [{"field": field, "message": str(m)} for field, errors in exc.message_dict.items() for m in errors]
    else:
        items = [{"field": "", "message": str(m)} for m in exc.messages]
    return api.create_response(request, {"detail": items}, status=422)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": _("Sign in first.")}, status=401)


class HealthOut(Schema):
    status: str


@api.get("/health", auth=None, response=HealthOut, operation_id="health", tags=["system"])
def health(request: HttpRequest) -> HealthOut:
    """Liveness check for load balancers and monitoring."""
    return HealthOut(status="ok")


api.add_router("/", areas_router)
api.add_router("/", accounts_router)
api.add_router("/", audit_router)
api.add_router("/", privacy_router)
for router in (
    reference_router,
    residents_router,
    entities_router,
    resources_router,
    imports_router,
    casework_router,
    programmes_router,
):
    api.add_router("/", router)
# The programme apps' routers, each under its own prefix.
for prefix, router in (
    ("/programmes/homecare/", homecare_router),
    ("/programmes/eldercare/", eldercare_router),
    ("/programmes/children/", children_router),
    ("/programmes/volunteers/", volunteers_router),
):
    api.add_router(prefix, router)

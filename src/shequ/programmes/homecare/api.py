"""Home care's API (mounted at /api/programmes/homecare/): the orders the caller reaches (staff through
the enrolment, a provider's staff only what was offered or sent to their provider, the family their
elder's), the provider's steps (accept, check in, check out) and the coverage indicator. Out of reach is
a 404; a refused step a 422 naming its field."""

from __future__ import annotations

import datetime

from django.http import Http404
from ninja import Router, Schema
from ninja.pagination import paginate

from shequ.accounts.http import AuthenticatedHttpRequest
from shequ.lib.pagination import BoundedLimitOffsetPagination

from . import access, selectors, services
from .models import HomeCareOrder

router = Router(tags=["homecare"])


class OrderOut(Schema):
    """An order without the elder's personal data: the case number, what, when, where (area) and state."""

    id: int
    case_number: str
    service: str
    area: str
    scheduled_start: datetime.datetime
    planned_minutes: int
    state: str
    provider: str
    checkin_at: datetime.datetime | None
    checkout_at: datetime.datetime | None
    delivered_minutes: int | None
    rating: int | None


def _out(order: HomeCareOrder) -> OrderOut:
    return OrderOut(
        id=order.pk,
        case_number=order.case.number,
        service=order.service_type.code,
        area=order.area.code,
        scheduled_start=order.scheduled_start,
        planned_minutes=order.planned_minutes,
        state=order.state,
        provider=order.provider.entity.name if order.provider_id and order.provider else "",
        checkin_at=order.checkin_at,
        checkout_at=order.checkout_at,
        delivered_minutes=order.delivered_minutes,
        rating=order.rating,
    )


class PositionIn(Schema):
    lon: float | None = None
    lat: float | None = None


class CoverageOut(Schema):
    area: str
    month: str
    covered: int
    total: int
    target_percent: float | None


@router.get("/orders", response=list[OrderOut], operation_id="homecare_orders_list")
@paginate(BoundedLimitOffsetPagination)
def orders_list(request: AuthenticatedHttpRequest, state: str = "") -> list[OrderOut]:
    """The orders the caller reaches, the latest first."""
    rows = selectors.orders_for_api(actor=request.user)
    if state:
        rows = rows.filter(state=state)
    return [_out(o) for o in rows[:1000]]


@router.get("/orders/{order_id}", response=OrderOut, operation_id="homecare_order_get")
def order_get(request: AuthenticatedHttpRequest, order_id: int) -> OrderOut:
    return _out(selectors.order_get(actor=request.user, order_id=order_id))


def _step(request: AuthenticatedHttpRequest, order: HomeCareOrder) -> OrderOut:
    return _out(selectors.order_get(actor=request.user, order_id=order.pk))


@router.post("/orders/{order_id}/accept", response=OrderOut, operation_id="homecare_order_accept")
def order_accept(request: AuthenticatedHttpRequest, order_id: int) -> OrderOut:
    """A provider's staff accept an order offered to their provider (the first wins; the others 422)."""
    return _step(request, services.order_accept(actor=request.user, order_id=order_id))


@router.post("/orders/{order_id}/checkin", response=OrderOut, operation_id="homecare_order_checkin")
def order_checkin(request: AuthenticatedHttpRequest, order_id: int, body: PositionIn) -> OrderOut:
    return _step(request, services.order_checkin(actor=request.user, order_id=order_id, lon=body.lon, lat=body.lat))


@router.post("/orders/{order_id}/checkout", response=OrderOut, operation_id="homecare_order_checkout")
def order_checkout(request: AuthenticatedHttpRequest, order_id: int, body: PositionIn) -> OrderOut:
    """Check out (refused before the check-in): the minutes delivered are counted from the check-in."""
    return _step(request, services.order_checkout(actor=request.user, order_id=order_id, lon=body.lon, lat=body.lat))


@router.get("/coverage", response=CoverageOut, operation_id="homecare_coverage")
def coverage(request: AuthenticatedHttpRequest, area: str = "", month: str = "") -> CoverageOut:
    """Urban communities covered by government-bought home care in a month (YYYY-MM), in an area the
    caller reaches home care in."""
    if not access.is_staff(request.user):
        raise Http404
    found = selectors.staff_area(request.user, area)
    first = selectors.month_of(month)
    covered, total = selectors.coverage(found, first)
    target = selectors.coverage_target(first)
    return CoverageOut(
        area=found.code,
        month=f"{first:%Y-%m}",
        covered=covered,
        total=total,
        target_percent=float(target.percent) if target else None,
    )

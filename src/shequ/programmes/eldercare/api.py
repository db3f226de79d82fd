"""The eldercare API (mounted at /api/programmes/eldercare/): the workbench's visits summary, the overdue
visits with their flags, the retrofits, and the figures by area. Recording a visit is the core's
``visit_record`` operation. Who reads what is the selectors' business: a role without eldercare, or an
area out of reach, is a 404."""

from __future__ import annotations

import datetime

from django.utils import timezone
from ninja import Router, Schema

from shequ.accounts.http import AuthenticatedHttpRequest
from shequ.lib.capabilities import Capability
from shequ.programmes.common.selectors import per_child_area

from . import selectors

router = Router(tags=["eldercare"])


class SummaryOut(Schema):
    due_today: int
    my_overdue: int
    area_overdue: int


@router.get("/visits/summary", response=SummaryOut, operation_id="eldercare_visits_summary")
def visits_summary(request: AuthenticatedHttpRequest) -> dict[str, int]:
    """My care visits due today and overdue, and the overdue ones in the areas whose programmes I run."""
    selectors.require_eldercare(request.user)
    return selectors.visits_summary(actor=request.user)


class OverdueOut(Schema):
    id: int
    programme: str
    area_code: str
    due_on: datetime.date
    days_overdue: int
    past_grace: bool
    escalated_at: datetime.datetime | None
    assigned: bool


@router.get("/visits/overdue", response=list[OverdueOut], operation_id="eldercare_visits_overdue")
def visits_overdue(request: AuthenticatedHttpRequest, area: str = "") -> list[dict[str, object]]:
    """Overdue care visits in my area (at most 500, the most overdue first); no personal data."""
    selectors.require_eldercare(request.user, Capability.PROGRAMME_MANAGE)
    today = timezone.localdate()
    rows = selectors.overdue_visits(actor=request.user, area_code=area, on=today)[:500]
    return [
        {
            "id": v.pk,
            "programme": v.enrolment.programme.code,
            "area_code": v.enrolment.area.code,
            "due_on": v.due_on,
            "days_overdue": (today - v.due_on).days,
            "past_grace": selectors.grace_passed(v, today),
            "escalated_at": v.escalated_at,
            "assigned": v.assigned_to_id is not None,
        }
        for v in rows
    ]


class RetrofitOut(Schema):
    id: int
    area_code: str
    stage: str
    started_on: datetime.date
    completed_on: datetime.date | None
    items: list[str]


@router.get("/retrofits", response=list[RetrofitOut], operation_id="eldercare_retrofits_list")
def retrofits(request: AuthenticatedHttpRequest, stage: str = "", area: str = "") -> list[dict[str, object]]:
    """Retrofits in my area (at most 500, newest first), with their stage and items; no personal data."""
    selectors.require_eldercare(request.user)
    rows = selectors.retrofit_projects(actor=request.user, stage=stage, area_code=area).prefetch_related("items")[:500]
    return [
        {
            "id": p.pk,
            "area_code": p.area.code,
            "stage": p.stage,
            "started_on": p.enrolment.started_on,
            "completed_on": p.completed_on,
            "items": sorted(i.code for i in p.items.all()),
        }
        for p in rows
    ]


class EldercareFigureRowOut(Schema):
    area_code: str
    area_name: str
    values: dict[str, int | float | None]


class EldercareFiguresOut(Schema):
    area_code: str
    total: dict[str, int | float | None]
    rows: list[EldercareFigureRowOut]


@router.get("/figures", response=EldercareFiguresOut, operation_id="eldercare_figures")
def figures(request: AuthenticatedHttpRequest, area: str = "") -> dict[str, object]:
    """This month's care visits, overdue visits, retrofits by stage and family beds, for an area of mine
    and each of its child areas."""
    chosen = selectors.figures_area(actor=request.user, code=area)
    today = timezone.localdate()
    month_start = today.replace(day=1)
    total, rows = per_child_area(chosen, lambda path: selectors.area_figures(request.user, path, month_start, today))
    return {
        "area_code": chosen.code,
        "total": total,
        "rows": [{"area_code": r.area.code, "area_name": r.area.name, "values": r.values} for r in rows],
    }

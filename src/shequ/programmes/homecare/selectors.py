"""Every read of home care, scoped from the actor (``access``): out of reach is a 404. The indicator
functions at the end (``coverage``, ``coverage_rows``, ``provider_figures``, ``response_figures``) take
an area and a month and are what the indicators pages call."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Avg, Count, F, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from shequ.accounts.models import User
from shequ.areas.models import Area, Kind, Level
from shequ.casework.models import Case
from shequ.entities.models import LegalEntity
from shequ.lib.capabilities import Capability
from shequ.lib.scoping import granted_paths
from shequ.programmes.common import access as core
from shequ.programmes.common import selectors as core_selectors
from shequ.programmes.common.models import Enrolment, EnrolmentState, ProviderAccount
from shequ.programmes.common.selectors import children_of
from shequ.residents.models import Person

from . import access, services
from .models import CoverageTarget, EmergencyCall, HomeCareOrder, OrderState, Provider, ServiceType

# ---- orders ------------------------------------------------------------------------------------------


def _with_related(rows: QuerySet[HomeCareOrder]) -> QuerySet[HomeCareOrder]:
    return rows.select_related("case", "area", "service_type", "provider__entity", "enrolment__person")


def staff_orders(*, actor: User, state: str = "", area_code: str = "") -> QuerySet[HomeCareOrder]:
    rows = _with_related(access.staff_orders(actor))
    if state:
        rows = rows.filter(state=state)
    if area_code:
        area = Area.objects.filter(code=area_code).first()
        rows = rows.filter(area__path__startswith=area.path) if area is not None else rows.none()
    return rows.order_by("-scheduled_start", "-pk")


def order_get(*, actor: User, order_id: int) -> HomeCareOrder:
    """An order the actor reaches as staff, as a provider or as family; another provider's is a 404."""
    order = _with_related(access.orders_visible(actor)).filter(pk=order_id).first()
    if order is None:
        raise Http404
    return order


@dataclass
class PhoneLists:
    offered: list[HomeCareOrder]
    mine: list[HomeCareOrder]


def provider_lists(*, actor: User) -> PhoneLists:
    """The provider phone page: orders offered to the provider and not yet taken, and its own open ones."""
    provider = access.provider_of(actor)
    if provider is None:
        raise Http404
    rows = _with_related(access.provider_orders(actor))
    offered = rows.filter(state=OrderState.OFFERED, provider__isnull=True).order_by("scheduled_start", "pk")
    mine = rows.filter(provider=provider, state__in=[OrderState.ACCEPTED, OrderState.CHECKED_IN]).order_by(
        "scheduled_start", "pk"
    )
    return PhoneLists(list(offered[:100]), list(mine[:100]))


def provider_orders(*, actor: User) -> QuerySet[HomeCareOrder]:
    return _with_related(access.provider_orders(actor)).order_by("-scheduled_start", "-pk")


def orders_for_api(*, actor: User) -> QuerySet[HomeCareOrder]:
    return _with_related(access.orders_visible(actor)).order_by("-scheduled_start", "-pk")


@dataclass
class Hours:
    allowed: int  # minutes
    used: int

    @property
    def left(self) -> int:
        return max(self.allowed - self.used, 0)


def hours_of(enrolment: Enrolment, on: datetime.date | None = None) -> Hours:
    on = on or timezone.localdate()
    return Hours(services.allowance_minutes(enrolment, on), services.used_minutes(enrolment, on))


def enrolments_for_orders(*, actor: User) -> QuerySet[Enrolment]:
    """The active home-care enrolments the actor may order visits for (as staff who run them)."""

    return (
        core.enrolments_visible(actor, Capability.PROGRAMME_MANAGE)
        .filter(programme__code=access.PROGRAMME_CODE, state=EnrolmentState.ACTIVE)
        .select_related("person", "area")
        .order_by("area__path", "pk")
    )


def candidates(*, actor: User) -> QuerySet[Person]:
    """The elders the actor may apply for: eligible today, not enrolled, in the actor's reach."""
    return core_selectors.candidates(actor=actor, programme=access.programme())


# ---- the family (resident portal) ---------------------------------------------------------------------


@dataclass
class FamilyMember:
    person: Person
    enrolment: Enrolment | None
    hours: Hours | None
    orders: list[HomeCareOrder]


def family_page(*, actor: User) -> list[FamilyMember]:
    """The resident's people and their households' members: each one's home care, hours and orders."""
    if not access.is_resident(actor):
        raise Http404
    people = list(access.family_persons(actor).select_related("address").order_by("birth_date", "pk"))
    enrolments = {
        e.person_id: e
        for e in Enrolment.objects.filter(
            programme__code=access.PROGRAMME_CODE, person__in=people, state=EnrolmentState.ACTIVE
        ).select_related("programme", "person")
    }
    orders: dict[int, list[HomeCareOrder]] = {}
    for order in _with_related(access.family_orders(actor)).order_by("-scheduled_start")[:200]:
        orders.setdefault(order.enrolment.person_id, []).append(order)
    return [
        FamilyMember(
            p,
            enrolments.get(p.pk),
            hours_of(enrolments[p.pk]) if p.pk in enrolments else None,
            orders.get(p.pk, []),
        )
        for p in people
    ]


def open_calls(*, actor: User) -> list[EmergencyCall]:
    """The unanswered emergency calls the actor may acknowledge."""
    return list(
        EmergencyCall.objects.filter(pk__in=services.calls_for_responder(actor), acknowledged_at__isnull=True)
        .select_related("case", "area")
        .order_by("called_at")[:50]
    )


# ---- providers and reference data --------------------------------------------------------------------


def providers() -> QuerySet[Provider]:
    return Provider.objects.select_related("entity").prefetch_related("areas", "service_types").order_by("pk")


def service_types(*, active_only: bool = True) -> QuerySet[ServiceType]:
    rows = ServiceType.objects.all()
    return rows.filter(is_active=True) if active_only else rows


# ---- figures and indicators --------------------------------------------------------------------------


def month_of(value: str | None) -> datetime.date:
    """``YYYY-MM`` as the month's first day (this month when absent or malformed)."""
    today = timezone.localdate()
    try:
        year, month = (int(x) for x in (value or "").split("-"))
        return datetime.date(year, month, 1)
    except ValueError:
        return datetime.date(today.year, today.month, 1)


def urban_communities(area: Area) -> QuerySet[Area]:
    return Area.objects.filter(path__startswith=area.path, level=Level.COMMUNITY, kind=Kind.COMMUNITY, is_active=True)


def coverage(area: Area, month: datetime.date) -> tuple[int, int]:
    """(covered, total) urban communities of the area's subtree: a community is covered in the month when
    at least one of its elders had an order checked out in that month."""
    start, end = services.month_bounds(month)
    communities = list(urban_communities(area).values_list("path", flat=True))
    if not communities:
        return 0, 0
    done_paths = set(
        HomeCareOrder.objects.filter(
            state=OrderState.DONE, checkout_at__gte=start, checkout_at__lt=end, area__path__startswith=area.path
        ).values_list("area__path", flat=True)
    )
    covered = sum(1 for c in communities if any(p.startswith(c) for p in done_paths))
    return covered, len(communities)


def coverage_target(on: datetime.date) -> CoverageTarget | None:
    """The target in force: the first whose date is not past, else the last."""
    return CoverageTarget.objects.filter(due_on__gte=on).order_by("due_on").first() or (
        CoverageTarget.objects.order_by("-due_on").first()
    )


@dataclass
class CoverageRow:
    area: Area
    covered: int
    total: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.covered / self.total, 1) if self.total else None


def coverage_rows(area: Area, month: datetime.date) -> tuple[CoverageRow, list[CoverageRow]]:
    """Coverage of the area and of each of its child areas (districts of a city, streets of a district)."""
    return CoverageRow(area, *coverage(area, month)), [CoverageRow(c, *coverage(c, month)) for c in children_of(area)]


@dataclass
class ProviderFigures:
    provider: Provider
    orders: int
    done: int
    on_time: float | None  # percent of checked-in orders checked in within the window
    rating: float | None
    complaints: int
    delivered_hours: float
    planned_hours: float


def provider_figures(orders: QuerySet[HomeCareOrder], month: datetime.date) -> list[ProviderFigures]:
    """Per provider, for the orders given (already scoped) scheduled in the month."""
    start, end = services.month_bounds(month)
    window = services.on_time_window()
    rows = orders.filter(scheduled_start__gte=start, scheduled_start__lt=end, provider__isnull=False)
    figures = {
        r["provider"]: r
        for r in rows.values("provider").annotate(
            n=Count("pk"),
            done=Count("pk", filter=Q(state=OrderState.DONE)),
            checked=Count("pk", filter=Q(checkin_at__isnull=False)),
            on_time=Count("pk", filter=Q(checkin_at__isnull=False, checkin_at__lte=F("scheduled_start") + window)),
            rating=Avg("rating"),
            delivered=Sum("delivered_minutes"),
            planned=Sum("planned_minutes"),
        )
    }
    complaints = dict(
        Case.objects.filter(kind=services.COMPLAINT_KIND, parent__homecare_order__in=rows)
        .values("parent__homecare_order__provider")
        .annotate(n=Count("pk"))
        .values_list("parent__homecare_order__provider", "n")
    )
    result = []
    for provider in Provider.objects.filter(pk__in=figures).select_related("entity").order_by("pk"):
        r = figures[provider.pk]
        result.append(
            ProviderFigures(
                provider,
                r["n"],
                r["done"],
                round(100 * r["on_time"] / r["checked"], 1) if r["checked"] else None,
                round(float(r["rating"]), 2) if r["rating"] is not None else None,
                complaints.get(provider.pk, 0),
                round((r["delivered"] or 0) / 60, 1),
                round((r["planned"] or 0) / 60, 1),
            )
        )
    return result


@dataclass
class ResponseFigures:
    calls: int
    answered: int
    average_seconds: int | None


def response_figures(calls: QuerySet[EmergencyCall], month: datetime.date) -> ResponseFigures:
    """Emergency calls of the month: how many, how many answered, the average time to the first response."""
    start, end = services.month_bounds(month)
    rows = list(calls.filter(called_at__gte=start, called_at__lt=end).values_list("called_at", "acknowledged_at"))
    answered = [(b - a).total_seconds() for a, b in rows if b is not None]
    return ResponseFigures(len(rows), len(answered), round(sum(answered) / len(answered)) if answered else None)


def staff_calls(*, actor: User) -> QuerySet[EmergencyCall]:
    """The calls of the people whose enrolments the actor reaches, or of the actor's case area."""

    paths = core.programme_paths(actor, access.programme()) + granted_paths(actor, Capability.CASE_READ)
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(area__path__startswith=path)
    return EmergencyCall.objects.filter(q)


def staff_root(actor: User) -> Area | None:
    """The widest area where the actor reaches home care (their figures' default)."""

    paths = core.programme_paths(actor, access.programme())
    return Area.objects.filter(path=min(paths, key=len)).first() if paths else None


def staff_area(actor: User, code: str) -> Area:
    """An area the actor reaches home care in (the figures' choice), or a 404."""

    area = Area.objects.filter(code=code).first() if code else staff_root(actor)
    if area is None or not core.reaches(actor, access.programme(), area.path):
        raise Http404
    return area


def linkable_account(*, actor: User, username: str) -> User | None:
    """The active account of that name, for the administrators who link provider staff (anyone else: a
    404, so the page is no way to learn which names exist)."""
    if not access.may_link_accounts(actor):
        raise Http404
    return User.objects.filter(username=username.strip(), is_active=True).first() if username.strip() else None


def registrable_entities(*, actor: User, limit: int = 200) -> list[LegalEntity]:
    """The legal entities a provider may still be registered for (none is one yet), for those who register
    providers."""
    if not access.may_register_providers(actor):
        return []
    taken = Provider.objects.values("entity_id")
    return list(LegalEntity.objects.exclude(pk__in=taken).order_by("name")[:limit])


def provider_accounts(*, actor: User) -> list[ProviderAccount]:
    """The staff accounts linked to providers, for the administrators who link them."""
    if not access.may_link_accounts(actor):
        return []
    return list(ProviderAccount.objects.select_related("user", "entity").order_by("entity_id", "user_id"))

"""Every read of casework. Staff read the cases of their area (``Case.objects.visible_to``); a resident
reads the cases of the people registered with their account's phone; anything else is a 404."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Avg, Count, F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from shequ.accounts.models import User
from shequ.areas.models import Area
from shequ.lib.capabilities import Capability
from shequ.lib.scoping import granted_paths
from shequ.residents.models import Person, PersonStatus

from .models import CLOSED_STATES, OPEN_STATES, Case, CaseEvent, CaseState, ChannelChoice, Rating, ServiceItem


def resident_persons(actor: User) -> QuerySet[Person]:
    """The people registered with the actor's phone: whom a resident files and follows cases for."""
    if not getattr(actor, "phone_index", "") or not actor.is_active:
        return Person.objects.none()
    return Person.objects.filter(phone_index=actor.phone_index, status=PersonStatus.ACTIVE)


def is_case_staff(actor: User) -> bool:
    return bool(granted_paths(actor, Capability.CASE_READ))


def staff_cases(
    actor: User,
    *,
    state: str = "",
    overdue: bool = False,
    mine: bool = False,
    unassigned: bool = False,
    area_path: str = "",
    channel: str = "",
    item: str = "",
) -> QuerySet[Case]:
    """The queue: the actor's area's cases, earliest deadline first.

    The scope is the list of the areas the actor reads (one small query) rather than a join on their
    paths: with the areas' ids the planner knows how many cases a broad area holds and reads the first
    page in the order of the index ``case_queue_order``; with the join it took a community's 25,000 cases
    for a few dozen and sorted them all (60-200 ms at 100,000 cases)."""
    areas = Area.objects.visible_to(actor, Capability.CASE_READ)
    if area_path:
        areas = areas.within(area_path)
    rows = Case.objects.filter(area_id__in=list(areas.values_list("pk", flat=True)))
    if state == "open":
        rows = rows.filter(state__in=OPEN_STATES)
    elif state:
        rows = rows.filter(state=state)
    if overdue:
        rows = rows.filter(deadline_at__lt=timezone.now(), state__in=OPEN_STATES - {CaseState.WAITING})
    if mine:
        rows = rows.filter(assigned_to=actor)
    if unassigned:
        rows = rows.filter(assigned_to__isnull=True)
    if channel:
        rows = rows.filter(channel=channel)
    if item:
        rows = rows.filter(item__code=item)
    # The related rows are fetched for the page's cases only (one query each), never joined: a join
    # before the sort made PostgreSQL join a whole broad area's cases (25,000 rows: 200 ms) to show 50.
    # The order is the index ``case_queue_order``: a broad area's first page is read in order.
    # Only the columns a queue shows: a person's or an account's whole row (ciphertexts, hashes) is
    # a tenth of the page's time over fifty rows.
    return rows.prefetch_related(
        Prefetch("item", queryset=ServiceItem.objects.only("code", "name")),
        Prefetch("area", queryset=Area.objects.only("code", "name", "path", "level")),
        Prefetch("assigned_to", queryset=User.objects.only("username", "display_name")),
        Prefetch("applicant", queryset=Person.objects.only("name")),
    ).order_by(F("deadline_at").asc(nulls_last=True), "id")


# A queue's count stops here: counting a district's 100,000 open cases on every page took longer than the
# page itself (40 ms; to 10,000 still 7 ms), and nobody pages past twenty pages (narrow it by state, item
# or area).
QUEUE_COUNT_CAP = 1_000


def queue_count(rows: QuerySet[Case]) -> int:
    """How many cases a queue holds, exact up to ``QUEUE_COUNT_CAP``; ``QUEUE_COUNT_CAP + 1`` means more."""
    return rows.order_by()[: QUEUE_COUNT_CAP + 1].count()


def case_area(actor: User, code: str) -> Area:
    """An area the actor reads cases of, by its code (a queue's or the figures' filter); any other is a 404."""
    area = Area.objects.filter(code=code[:20]).first()
    if area is None or not any(area.path.startswith(p) for p in granted_paths(actor, Capability.CASE_READ)):
        raise Http404
    return area


def place_area(code: str) -> Area | None:
    """The area a place report names, by its code; whether the filer may report there is the filing
    service's check (staff: their area; a resident: their city; an outside system: its key's areas)."""
    return Area.objects.filter(code=code[:20]).first() if code else None


def case_rating(case: Case) -> Rating | None:
    return Rating.objects.filter(case=case).first()


def staff_case(actor: User, case_id: int) -> Case:
    case = (
        Case.objects.visible_to(actor, Capability.CASE_READ)
        .select_related("item", "item_version", "area", "applicant", "assigned_to", "filed_by")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise Http404
    return case


def resident_cases(actor: User) -> QuerySet[Case]:
    """A resident's cases: those of the people registered with their phone (whoever filed them: staff
    file proxy and door-to-door cases for them) and the place reports they filed themselves."""
    return (
        Case.objects.filter(Q(applicant__in=resident_persons(actor)) | Q(filed_by=actor, applicant__isnull=True))
        .select_related("item", "applicant")
        .order_by("-submitted_at", "-id")
    )


def resident_case(actor: User, case_id: int) -> Case:
    case = resident_cases(actor).select_related("item_version").filter(pk=case_id).first()
    if case is None:
        raise Http404
    return case


def case_for(actor: User, case_id: int) -> Case:
    """Staff of the case's area, or its applicant."""
    if is_case_staff(actor):
        try:
            return staff_case(actor, case_id)
        except Http404:
            pass  # staff may apply for their own family too
    return resident_case(actor, case_id)


def timeline(case: Case, *, for_resident: bool) -> QuerySet[CaseEvent]:
    events = case.events.select_related("actor").order_by("at", "id")
    return events.filter(public=True) if for_resident else events


def open_material_request(case: Case):  # type: ignore[no-untyped-def]
    return case.material_requests.filter(answered_at__isnull=True).order_by("-requested_at").first()


@dataclass(frozen=True)
class Figures:
    """Figures of one area's cases (R9/R25): channels, on-time rate, handling time, overdue, satisfaction."""

    total: int
    open: int
    overdue: int
    closed: int
    closed_on_time: int
    by_channel: dict[str, int]
    by_state: dict[str, int]
    average_working_days: float | None
    ratings: dict[int, int]
    satisfaction: float | None  # share of ratings 4 and 5

    @property
    def on_time_rate(self) -> float | None:
        return self.closed_on_time / self.closed if self.closed else None


def figures(actor: User, area: Area | None = None, *, since: datetime | None = None) -> Figures:
    from shequ.reference.selectors import work_calendar

    rows = Case.objects.visible_to(actor, Capability.CASE_READ)
    if area is not None:
        rows = rows.within(area.path)
    if since is not None:
        rows = rows.filter(submitted_at__gte=since)
    now = timezone.now()
    by_state = dict(rows.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    by_channel = dict(rows.values_list("channel").annotate(n=Count("id")).values_list("channel", "n"))
    closed = rows.filter(state__in=CLOSED_STATES).exclude(state=CaseState.WITHDRAWN)
    closed_count = closed.count()
    on_time = closed.filter(Q(deadline_at__isnull=True) | Q(closed_at__lte=F("deadline_at"))).count()
    overdue = rows.filter(state__in=OPEN_STATES - {CaseState.WAITING}, deadline_at__lt=now).count()
    calendar = work_calendar()
    spans = list(closed.order_by("-closed_at").values_list("submitted_at", "closed_at")[:2000])
    average = (
        sum(calendar.working_days_between(timezone.localdate(a), timezone.localdate(b)) for a, b in spans) / len(spans)
        if spans
        else None
    )
    ratings = dict(
        Rating.objects.filter(case__in=rows).values_list("level").annotate(n=Count("id")).values_list("level", "n")
    )
    rated = sum(ratings.values())
    good = ratings.get(4, 0) + ratings.get(5, 0)
    return Figures(
        total=sum(by_state.values()),
        open=sum(n for s, n in by_state.items() if s in OPEN_STATES),
        overdue=overdue,
        closed=closed_count,
        closed_on_time=on_time,
        by_channel={c: by_channel.get(c, 0) for c in ChannelChoice.values},
        by_state={s: by_state.get(s, 0) for s in CaseState.values},
        average_working_days=round(average, 1) if average is not None else None,
        ratings={level: ratings.get(level, 0) for level in range(1, 6)},
        satisfaction=good / rated if rated else None,
    )


def average_rating(actor: User) -> float | None:
    value = Rating.objects.filter(case__in=Case.objects.visible_to(actor, Capability.CASE_READ)).aggregate(
        a=Avg("level")
    )["a"]
    return float(value) if value is not None else None

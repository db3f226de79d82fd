"""Reads of the resident pool, scoped to the actor."""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict, TypeVar

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.accounts.models import User
from shequ.areas.models import Area, Level
from shequ.lib.capabilities import Capability
from shequ.lib.identifiers import normalize_mobile, validate_id_number
from shequ.lib.scoping import get_visible_or_404
from shequ.privacy.fields import BlindIndexField
from shequ.privacy.lookups import LOOKUP_LIMIT, identifier_lookup

from . import search
from .models import Household, MoveRequest, Person, PersonStatus, PersonTag, ResidenceType


class ComputedGroup(models.TextChoices):
    """Groups that follow from the data (MISSION.md R2): never recorded, always computed."""

    AGE60 = "age60", _("Aged 60 and over")
    AGE80 = "age80", _("Aged 80 and over")
    ALONE = "alone", _("Living alone")
    MINOR = "minor", _("Minors")


_ID_LIKE = re.compile(r"^\d{17}[\dXx]$")
_PHONE_LIKE = re.compile(r"^1\d{10}$")


# A list page (and the list API) shows at most this many matches of a substring search; more, and it asks
# for a narrower one.
SEARCH_CAP = 1000

# Marks no name carries: digits and the words of a street address. (园, 庄, 道… are left out: they are in
# names too — 李园园, 庄姓, 张道明.)
_ADDRESS_MARKS = set("0123456789路街巷号楼栋单元室弄") | {"小区"}


def looks_like_address(query: str) -> bool:
    """A query with a digit, a street word or more than one word is an address; anything else may be a
    name or an address (和平花园, 买买提·艾力) and is searched as both."""
    return len(query.split()) > 1 or any(mark in query for mark in _ADDRESS_MARKS)


def _prefix(field: str, value: str) -> Q:
    """Values starting with ``value``, in a form the database answers from the column's index.

    PostgreSQL uses its pattern index for LIKE 'x%'. SQLite's LIKE ignores case and so never uses an
    index; there a range on the binary order (value <= x < value + U+10FFFF) is the same set, indexed.
    """
    if connection.vendor == "sqlite":
        return Q(**{f"{field}__gte": value, f"{field}__lt": value + "\U0010ffff"})
    return Q(**{f"{field}__startswith": value})


def group_filter(group: str, today: datetime.date) -> Q:
    """The residents of one group: computed ones from birth dates and household sizes, recorded ones
    from tags valid today."""
    if group == ComputedGroup.AGE60:
        return Q(birth_date__lte=years_ago(60, today))
    if group == ComputedGroup.AGE80:
        return Q(birth_date__lte=years_ago(80, today))
    if group == ComputedGroup.MINOR:
        return Q(birth_date__gt=years_ago(18, today))
    if group == ComputedGroup.ALONE:
        single = (
            Household.objects.annotate(n=Count("members", filter=Q(members__status=PersonStatus.ACTIVE)))
            .filter(n=1)
            .values("pk")
        )
        return Q(household__in=single)
    valid = PersonTag.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today), tag__code=group, valid_from__lte=today
    ).values("person_id")
    return Q(pk__in=valid)


def years_ago(years: int, today: datetime.date) -> datetime.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


_People = TypeVar("_People", bound=QuerySet[Person])


def looks_like_identifier(query: str) -> bool:
    """Seven digits or more in a row (spaces, dashes and ``+`` aside): an identity number or a phone, whole
    or in part, which must not travel in an address (a URL is logged and kept in the browser's history); or
    exactly four digits, which this search takes for the last digits of a phone."""
    compact = re.sub(r"[\s\-()+]", "", query or "")
    return bool(re.search(r"\d{7,}", compact) or search.PHONE_TAIL.match(compact))


def _identifier_lookup(
    actor: User, people: _People, source: str, value: str, purpose: str = "residents.search"
) -> _People:
    """Filter by the blind index of ``value``, counted and audited as one lookup by the actor."""
    field = Person._meta.get_field(f"{source}_index")
    assert isinstance(field, BlindIndexField)
    index = field.index_of(value)
    found = people.filter(**{field.name: index})
    identifier_lookup(actor=actor, purpose=purpose, index=index, found=found.exists())
    return found


def _substring(people: _People, query: str) -> _People:
    """Names or addresses containing the query, through the bigram index (``search``). One character (a
    surname) stays a prefix search of names; an address query's words must each be found ("和平花园 7栋");
    a query that could be either (淑英, 和平花园) finds the names that have it, else the addresses."""
    if not looks_like_address(query):
        if len(query) < 2:
            return people.filter(_prefix("name", query))
        # Names first, addresses when no name has it: one indexed condition at a time (an OR of the two
        # cannot use the name index's early stop, see ``residents``).
        named = people.filter(search.name_contains(query))
        return named if named.exists() else people.filter(search.address_contains(query))
    words = [word for word in query.split() if len(word) > 1]
    if not words:
        return people.filter(_prefix("address__street_address", query))
    for word in words:
        people = people.filter(search.address_contains(word))
    return people


def residents(
    *,
    actor: User,
    query: str = "",
    tags: Sequence[str] = (),
    area_code: str = "",
    status: str = PersonStatus.ACTIVE,
    cap: int | None = None,
) -> QuerySet[Person]:
    """Residents the actor may read, found by identity number or phone (exact), the phone's last four
    digits (a query of exactly four digits), part of the name ("淑英") or part of the address ("牛园小区",
    "7栋"; an address is written as ``Address.label`` writes it). A lookup by identity number, phone or
    phone tail counts against the actor's hourly allowance and is audited (``privacy.lookups``); past it,
    a ``ValidationError``.

    The query count does not depend on the result size: identifiers are one indexed lookup through their
    blind index, names and addresses one filter through the bigram index (``search``). With ``cap`` (a
    list to page through), a substring search keeps its first ``cap + 1`` matches in the table's order
    before sorting them: the index finds 20,000 淑英 in a million people in milliseconds, but reading
    and sorting all of them for the first page takes half a second; past ``cap`` the page asks for more
    characters instead.
    """
    people = Person.objects.visible_to(actor, Capability.REGISTRY_READ)
    if area_code:
        area = get_visible_or_404(Area.objects.visible_to(actor, Capability.REGISTRY_READ), code=area_code)
        people = people.within(area.path)
    if status:
        people = people.filter(status=status)
    query = (query or "").strip()[:60]
    substring = False
    if query:
        compact = query.replace(" ", "")
        if _ID_LIKE.match(compact):
            try:
                people = _identifier_lookup(actor, people, "id_number", validate_id_number(compact).number)
            except ValidationError as exc:
                if getattr(exc, "code", None) == LOOKUP_LIMIT:
                    raise
                people = people.none()  # not a valid number: nobody has it
        elif _PHONE_LIKE.match(compact):
            people = _identifier_lookup(actor, people, "phone", normalize_mobile(compact))
        elif search.PHONE_TAIL.match(compact):
            people = _identifier_lookup(actor, people, "phone_tail", compact, purpose="residents.phone_tail")
        else:
            people = _substring(people, query)
            substring = True
    today = timezone.localdate()
    for each in tags:  # every group given must hold: "80+ and living alone"
        people = people.filter(group_filter(each, today))
    if cap is not None and substring:
        # The first matches found, without an order (the scan can stop early); only those are sorted.
        people = Person.objects.filter(pk__in=people.order_by().values("pk")[: cap + 1])
    return people.select_related("area", "address").prefetch_related("tags__tag").order_by("area__code", "name", "pk")


def resident_lookup(*, actor: User, id_number: str = "", phone: str = "") -> list[Person]:
    """The residents the actor may read with exactly this identity number or phone (give one): one
    counted, audited lookup (see ``residents``). A malformed value is refused naming its field; nobody
    found is a 404, as for any row out of reach."""
    id_number, phone = (id_number or "").strip(), (phone or "").strip()
    if bool(id_number) == bool(phone):
        raise ValidationError({"": _("Give an identity number or a phone, one of the two.")})
    if id_number:
        try:
            query = validate_id_number(id_number.replace(" ", "")).number
        except ValidationError as exc:
            raise ValidationError({"id_number": exc.messages}) from exc
    else:
        try:
            query = normalize_mobile(phone)
        except ValidationError as exc:
            raise ValidationError({"phone": exc.messages}) from exc
    found = list(residents(actor=actor, query=query))
    if not found:
        raise Http404
    return found


def person_get(*, actor: User, person_id: int) -> Person:
    return get_visible_or_404(
        Person.objects.visible_to(actor, Capability.REGISTRY_READ).select_related("area", "address", "household"),
        pk=person_id,
    )


def household_get(*, actor: User, household_id: int) -> tuple[Household, list[Person]]:
    """A household the actor may read, with the members the actor may read. A household belongs to its
    community, so a grid worker reaches it through the residents of their grid who live in it."""
    people = Person.objects.visible_to(actor, Capability.REGISTRY_READ)
    households = Household.objects.filter(
        Q(pk__in=Household.objects.visible_to(actor, Capability.REGISTRY_READ).values("pk"))
        | Q(pk__in=people.filter(household__isnull=False).values("household_id"))
    )
    household = get_visible_or_404(households.select_related("address", "area"), pk=household_id)
    members = list(
        people.filter(household=household)
        .select_related("area", "address")
        .prefetch_related("tags__tag")
        .order_by("status", "relation", "birth_date")
    )
    return household, members


def editable_community(*, actor: User, code: str) -> Area:
    """A community the actor may register residents in (itself, or one of its grids); 404 otherwise."""
    return get_visible_or_404(editable_communities(actor=actor), code=code)


def editable_communities(*, actor: User) -> QuerySet[Area]:
    """The communities the actor registers residents in: those it edits, and those of the grids it edits
    (a grid worker registers into their own grid, whose parent is the community)."""
    editable = Area.objects.visible_to(actor, Capability.REGISTRY_EDIT)
    grids_of = editable.filter(level=Level.GRID).values("parent_id")
    return Area.objects.filter(
        Q(pk__in=editable.filter(level=Level.COMMUNITY).values("pk")) | Q(pk__in=grids_of), level=Level.COMMUNITY
    ).order_by("code")


def community_of(area: Area) -> Area:
    """The community of an area that is a community or a grid."""
    return area.parent if area.level == Level.GRID and area.parent is not None else area


def person_for_edit(*, actor: User, person_id: int) -> Person:
    """A resident the actor may correct; 404 otherwise."""
    return get_visible_or_404(
        Person.objects.visible_to(actor, Capability.REGISTRY_EDIT).select_related("area__parent", "address"),
        pk=person_id,
    )


def editable_households(*, actor: User) -> QuerySet[Household]:
    """The households the actor may change: their community's, and those where a resident the actor edits
    lives (a grid worker reaches the households of their grid's residents)."""
    return Household.objects.filter(
        Q(pk__in=Household.objects.visible_to(actor, Capability.REGISTRY_EDIT).values("pk"))
        | Q(
            pk__in=Person.objects.visible_to(actor, Capability.REGISTRY_EDIT)
            .filter(household__isnull=False)
            .values("household_id")
        )
    )


def household_editable(*, actor: User, household_id: int) -> bool:
    return editable_households(actor=actor).filter(pk=household_id).exists()


def household_by_number(*, actor: User, community_id: int, number: str) -> int | None:
    """The id of the household of a community with this number (or, for one without a number, the id its
    page shows), among those the actor may change."""
    number = (number or "").strip()
    found = editable_households(actor=actor).filter(area_id=community_id)
    by_number = found.filter(number=number).values_list("pk", flat=True).first() if number else None
    if by_number is None and number.lstrip("#").isdigit():
        by_number = found.filter(pk=int(number.lstrip("#"))).values_list("pk", flat=True).first()
    return by_number


def registrable_grids(*, actor: User, community: Area) -> tuple[dict[str, int], bool]:
    """The grids of ``community`` the actor may register residents into, by name (as a roster names them),
    and whether the actor may also register into the community without a grid (only those who edit the
    whole community may)."""
    grids = Area.objects.filter(parent=community, level=Level.GRID, is_active=True)
    whole = Area.objects.visible_to(actor, Capability.REGISTRY_EDIT).filter(pk=community.pk).exists()
    if not whole:
        grids = grids.filter(pk__in=Area.objects.visible_to(actor, Capability.REGISTRY_EDIT).values("pk"))
    return dict(grids.order_by("code").values_list("name", "pk")), whole


# A complete digital record: identity number, name, phone, address and household (residence type is required).
COMPLETE = ~Q(id_number="") & ~Q(name="") & ~Q(phone_index="") & Q(address__isnull=False) & Q(household__isnull=False)


class UnitDigitisation(TypedDict):
    """The digitisation rate of one area: complete records of how many residents, in per cent."""

    area: Area
    total: int
    complete: int
    rate: float | None


class Digitisation(UnitDigitisation):
    children: list[UnitDigitisation]


def _unit(area: Area, total: int, complete: int) -> UnitDigitisation:
    rate = round(100 * complete / total, 1) if total else None
    return {"area": area, "total": total, "complete": complete, "rate": rate}


def digitisation(*, actor: User, area_code: str) -> Digitisation:
    """The digitisation rate (城乡社区常住居民信息电子化率) of an area and of each area below it:
    residents with a complete digital record over registered and permanent residents, per unit."""
    area = get_visible_or_404(Area.objects.visible_to(actor, Capability.REGISTRY_READ), code=area_code)
    children = list(Area.objects.visible_to(actor, Capability.REGISTRY_READ).filter(parent=area).order_by("code"))
    base = Person.objects.filter(
        area__path__startswith=area.path,
        status=PersonStatus.ACTIVE,
        residence_type__in=[ResidenceType.REGISTERED, ResidenceType.PERMANENT],
    )
    rows: dict[str, dict[str, int]] = {}
    if children:
        width = len(children[0].path)
        grouped = (
            base.annotate(unit=Substr("area__path", 1, width))
            .values("unit")
            .annotate(total=Count("pk"), complete=Count("pk", filter=COMPLETE))
        )
        rows = {g["unit"]: g for g in grouped}

    totals = base.aggregate(total=Count("pk"), complete=Count("pk", filter=COMPLETE))
    units = [_unit(c, rows.get(c.path, {}).get("total", 0), rows.get(c.path, {}).get("complete", 0)) for c in children]
    return {**_unit(area, totals["total"], totals["complete"]), "children": units}


def move_requests(*, actor: User) -> tuple[QuerySet[MoveRequest], QuerySet[MoveRequest]]:
    """The move requests the actor's communities must decide (their residents asked for elsewhere) and
    those they filed, newest first."""
    editable = Area.objects.visible_to(actor, Capability.REGISTRY_EDIT)
    requests = MoveRequest.objects.select_related("person", "from_area", "to_area").order_by("-requested_at", "-pk")
    return requests.filter(from_area__in=editable), requests.filter(to_area__in=editable)


# --- the workbench (工作台): what a registry reader's area holds and what needs attention ------------

EXPIRING_DAYS = 30  # a recorded group ending within this many days is shown for renewal
ATTENTION_SHOWN = 10  # rows listed per attention item (the count says how many there are)


@dataclass(frozen=True)
class GroupCount:
    code: str
    name: str
    count: int


@dataclass(frozen=True)
class Workbench:
    """The counts of the actor's area and the lists that need attention (all scoped to the actor)."""

    residents: int
    households: int
    groups: list[GroupCount]
    digitised: int  # complete records among registered and permanent residents
    digitisable: int
    expiring: QuerySet[PersonTag]
    expiring_count: int
    alone_elderly: QuerySet[Person]
    alone_elderly_count: int
    moves_waiting: int

    @property
    def digitisation_rate(self) -> float | None:
        return round(100 * self.digitised / self.digitisable, 1) if self.digitisable else None


def workbench(*, actor: User) -> Workbench:
    """The workbench of a registry reader: its residents living here, their households, the special
    groups (computed and recorded), the digitisation rate; recorded groups ending within
    ``EXPIRING_DAYS``, elderly people (60+) living alone and move requests waiting for a decision.
    A fixed number of queries whatever the area's size."""
    today = timezone.localdate()
    people = Person.objects.visible_to(actor, Capability.REGISTRY_READ).filter(status=PersonStatus.ACTIVE)
    alone = group_filter(ComputedGroup.ALONE, today)
    elderly = group_filter(ComputedGroup.AGE60, today)
    digitisable = Q(residence_type__in=[ResidenceType.REGISTERED, ResidenceType.PERMANENT])
    totals = people.aggregate(
        residents=Count("pk"),
        households=Count("household", distinct=True),
        age60=Count("pk", filter=elderly),
        age80=Count("pk", filter=group_filter(ComputedGroup.AGE80, today)),
        minor=Count("pk", filter=group_filter(ComputedGroup.MINOR, today)),
        alone=Count("pk", filter=alone),
        alone_elderly=Count("pk", filter=alone & elderly),
        digitisable=Count("pk", filter=digitisable),
        digitised=Count("pk", filter=digitisable & COMPLETE),
    )
    valid = PersonTag.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today), valid_from__lte=today, person__in=people
    )
    recorded = valid.values("tag__code", "tag__name").annotate(n=Count("person", distinct=True)).order_by("tag__code")
    groups = [GroupCount(g.value, str(g.label), totals[g.value]) for g in ComputedGroup] + [
        GroupCount(r["tag__code"], r["tag__name"], r["n"]) for r in recorded
    ]
    expiring = valid.filter(valid_to__lte=today + datetime.timedelta(days=EXPIRING_DAYS))
    editable = Area.objects.visible_to(actor, Capability.REGISTRY_EDIT)
    moves = MoveRequest.objects.filter(from_area__in=editable, state=MoveRequest.State.PENDING).count()
    return Workbench(
        residents=totals["residents"],
        households=totals["households"],
        groups=groups,
        digitised=totals["digitised"],
        digitisable=totals["digitisable"],
        expiring=expiring.select_related("tag", "person__area").order_by("valid_to", "pk")[:ATTENTION_SHOWN],
        expiring_count=expiring.count(),
        alone_elderly=people.filter(alone & elderly)
        .select_related("area", "address")
        .order_by("birth_date", "pk")[:ATTENTION_SHOWN],
        alone_elderly_count=totals["alone_elderly"],
        moves_waiting=moves,
    )

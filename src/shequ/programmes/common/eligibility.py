"""Who a rule includes, as one database filter (``criteria_filter``): the same filter lists a programme's
eligible people, checks one person's enrolment and explains a person's entitlements, so the three can
never disagree. Ages are full years on the day: a person is 80 from their 80th birthday on (born on
29 February: from 1 March in a year without one)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet

from shequ.residents.models import Person, PersonTag
from shequ.residents.selectors import ComputedGroup, group_filter, years_ago

from .models import Benefit, BenefitRule, Criteria, EligibilityRule, Programme, VisitRule

DISABILITY = "disability"


def in_force(rows: QuerySet, on: datetime.date) -> QuerySet:
    """Rules valid on the day."""
    return rows.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on), valid_from__lte=on)


def criteria_filter(criteria: Criteria, on: datetime.date) -> Q:
    """The people ``criteria`` includes on the day (a filter on ``Person``)."""
    q = Q()
    if criteria.min_age is not None:
        q &= Q(birth_date__lte=years_ago(criteria.min_age, on))
    if criteria.below_age is not None:
        q &= Q(birth_date__gt=years_ago(criteria.below_age, on))
    if criteria.tags:
        valid = Q(Q(valid_to__isnull=True) | Q(valid_to__gte=on), valid_from__lte=on)
        tagged = Q(tag__code__in=[t for t in criteria.tags if t != DISABILITY])
        if DISABILITY in criteria.tags:
            disabled = Q(tag__code=DISABILITY)
            if criteria.disability_grades:
                disabled &= Q(grade__in=criteria.disability_grades)
            tagged |= disabled
        q &= Q(pk__in=PersonTag.objects.filter(valid & tagged).values("person_id"))
    if criteria.living_alone is not None:
        alone = group_filter(ComputedGroup.ALONE, on)
        q &= alone if criteria.living_alone else ~alone
    if criteria.area is not None:
        q &= Q(area__path__startswith=criteria.area.path)
    return q


def includes(criteria: Criteria, person: Person, on: datetime.date) -> bool:
    return Person.objects.filter(pk=person.pk).filter(criteria_filter(criteria, on)).exists()


def describe(criteria: Criteria) -> str:
    """The rule in words (Chinese, as the rules are written): 80周岁及以上、独居、持低保对象标签."""
    parts: list[str] = []
    if criteria.min_age is not None:
        parts.append(f"{criteria.min_age}周岁及以上")
    if criteria.below_age is not None:
        parts.append(f"未满{criteria.below_age}周岁")
    if criteria.tags:
        from shequ.reference.models import TagType

        names = dict(TagType.objects.filter(code__in=criteria.tags).values_list("code", "name"))
        tags = "或".join(names.get(t, t) for t in criteria.tags)
        if criteria.disability_grades:
            tags += "（残疾等级" + "、".join(f"{g}级" for g in criteria.disability_grades) + "）"
        parts.append(f"属于{tags}")
    if criteria.living_alone is True:
        parts.append("独居")
    elif criteria.living_alone is False:
        parts.append("非独居")
    if criteria.area is not None:
        parts.append(f"在{criteria.area.name}")
    return "、".join(parts) or "所有人"


def eligible_by(programme: Programme, person: Person, on: datetime.date) -> list[EligibilityRule]:
    """The rules of ``programme`` in force on the day that include the person (none: not eligible)."""
    rules = in_force(programme.rules.select_related("area"), on)
    return [rule for rule in rules if includes(rule, person, on)]


def eligible_people(programme: Programme, people: QuerySet[Person], on: datetime.date) -> QuerySet[Person]:
    """Of ``people``, those some rule of the programme in force on the day includes."""
    rules = list(in_force(programme.rules.select_related("area"), on))
    if not rules:
        return people.none()
    q = Q()
    for rule in rules:
        q |= criteria_filter(rule, on)
    return people.filter(q)


@dataclass
class Entitlement:
    """What a person gets of one benefit on a day, and the groups that give it to them."""

    benefit: Benefit
    amount: Decimal | None
    groups: list[tuple[str, str, str]] = field(default_factory=list)  # (group, rule in words, what it gives)


def entitlements(person: Person, on: datetime.date, programmes: QuerySet[Programme] | None = None) -> list[Entitlement]:
    """Every benefit some group gives the person on the day, with the largest amount among those groups."""
    rules = in_force(BenefitRule.objects.select_related("benefit__programme", "area"), on).filter(
        benefit__programme__is_active=True
    )
    if programmes is not None:
        rules = rules.filter(benefit__programme__in=programmes)
    found: dict[int, Entitlement] = {}
    for rule in rules.order_by("benefit__programme__domain", "benefit__ordering", "benefit__code", "pk"):
        if not includes(rule, person, on):
            continue
        entry = found.setdefault(rule.benefit_id, Entitlement(benefit=rule.benefit, amount=None))
        entry.groups.append((rule.name, describe(rule), rule.provides))
        if rule.amount is not None and (entry.amount is None or rule.amount > entry.amount):
            entry.amount = rule.amount
    return list(found.values())


def amount_for(person: Person, benefit_code: str, programme: Programme, on: datetime.date) -> Decimal | None:
    """How much of one benefit of a programme the person gets on the day (the largest group's amount)."""
    for entry in entitlements(person, on, Programme.objects.filter(pk=programme.pk)):
        if entry.benefit.code == benefit_code:
            return entry.amount
    return None


def visit_interval(programme: Programme, person: Person, on: datetime.date) -> int | None:
    """Days between visits for the person (the shortest interval of the rules that include them)."""
    rules = in_force(VisitRule.objects.filter(programme=programme).select_related("area"), on)
    intervals = [rule.interval_days for rule in rules if includes(rule, person, on)]
    return min(intervals) if intervals else None

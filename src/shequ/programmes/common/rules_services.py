"""The administrator's writes to the programmes' reference data: a programme's settings, its benefits, and
its dated rules (who may join, who gets which benefit, how often who is visited). A rule is never edited
in place: the old one ends the day before the new one starts, so what applied on any past day stays
readable (an enrolment's reasons, a visit's interval). Only holders of ``REFERENCE_EDIT`` (the city
administrator) write here; every write is audited as ``programmes.<verb>``."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.http import Http404
from django.utils.translation import gettext as _

from shequ.accounts.models import User
from shequ.areas.models import Area
from shequ.audit.services import record_event
from shequ.lib.capabilities import Capability
from shequ.lib.scoping import granted_paths, require_capability
from shequ.reference.models import TagType

from .eligibility import DISABILITY
from .models import Benefit, BenefitRule, EligibilityRule, Programme, VisitRule

RULE_KINDS = ("eligibility", "benefit", "visit")
DISABILITY_GRADES = ("1", "2", "3", "4")


def _programme(actor: User, code: str) -> Programme:
    require_capability(actor, Capability.REFERENCE_EDIT)
    programme = Programme.objects.select_for_update().filter(code=code).first()
    if programme is None:
        raise Http404
    return programme


Rule = EligibilityRule | BenefitRule | VisitRule
_MODELS: dict[str, type[Rule]] = {"eligibility": EligibilityRule, "benefit": BenefitRule, "visit": VisitRule}


def rule_model(kind: str) -> type[Rule]:
    """The model of a kind of rule; an unknown kind is a 404 (it comes from the address)."""
    if kind not in RULE_KINDS:
        raise Http404
    return _MODELS[kind]


def rules_of(programme: Programme, kind: str) -> Any:
    """The rows of one kind of rule of the programme (benefit rules: of all its benefits)."""
    rule_model(kind)
    if kind == "benefit":
        return BenefitRule.objects.filter(benefit__programme=programme)
    if kind == "visit":
        return VisitRule.objects.filter(programme=programme)
    return EligibilityRule.objects.filter(programme=programme)


@transaction.atomic
def programme_update(
    *,
    actor: User,
    code: str,
    name: str,
    description: str,
    review_months: int,
    visit_grace_days: int,
    is_active: bool,
) -> Programme:
    programme = _programme(actor, code)
    if not name.strip():
        raise ValidationError({"name": _("Give the programme a name.")})
    before = {f: getattr(programme, f) for f in ("name", "review_months", "visit_grace_days", "is_active")}
    programme.name, programme.description = name.strip()[:100], description.strip()
    programme.review_months, programme.visit_grace_days, programme.is_active = (
        review_months,
        visit_grace_days,
        is_active,
    )
    programme.save()
    after = {f: getattr(programme, f) for f in before}
    record_event(
        actor=actor,
        action="programmes.programme_update",
        obj=programme,
        data={"changed": {k: [before[k], after[k]] for k in before if before[k] != after[k]}},
    )
    return programme


@transaction.atomic
def benefit_save(
    *,
    actor: User,
    code: str,
    benefit_code: str,
    name: str,
    category: str = "",
    unit: str = "",
    ordering: int = 0,
    create: bool = False,
) -> Benefit:
    """Add a benefit to the programme (``create``) or rename an existing one (its groups are rules)."""
    programme = _programme(actor, code)
    if not name.strip():
        raise ValidationError({"name": _("Give the benefit a name.")})
    existing = Benefit.objects.filter(programme=programme, code=benefit_code).first()
    if create and existing is not None:
        raise ValidationError({"code": _("This programme already has a benefit with this code.")})
    if not create and existing is None:
        raise Http404
    benefit = existing or Benefit(programme=programme, code=benefit_code)
    benefit.name, benefit.category, benefit.unit, benefit.ordering = (
        name.strip()[:100],
        category.strip()[:50],
        unit.strip()[:20],
        ordering,
    )
    benefit.save()
    record_event(
        actor=actor,
        action="programmes.benefit_save",
        obj=programme,
        data={"benefit": benefit.code, "name": benefit.name, "new": create},
    )
    return benefit


def _criteria(actor: User, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """The checked fields of a rule from the form's values."""
    name = str(data.get("name", "")).strip()
    if not name:
        raise ValidationError({"name": _("Name the group the rule is about.")})
    min_age, below_age = data.get("min_age"), data.get("below_age")
    if min_age is not None and below_age is not None and below_age <= min_age:
        raise ValidationError({"below_age": _("“Younger than” must be more than “aged at least”.")})
    tags = sorted(set(data.get("tags") or []))
    known = set(TagType.objects.filter(code__in=tags).values_list("code", flat=True))
    if set(tags) - known:
        raise ValidationError({"tags": _("Unknown special group.")})
    grades = sorted(set(data.get("disability_grades") or []))
    if grades and (DISABILITY not in tags or not set(grades) <= set(DISABILITY_GRADES)):
        raise ValidationError({"disability_grades": _("Disability grades apply only with the disability group.")})
    area = None
    if data.get("area_code"):
        area = Area.objects.filter(code=data["area_code"]).first()
        if area is None or not any(area.path.startswith(p) for p in granted_paths(actor, Capability.REFERENCE_EDIT)):
            raise ValidationError({"area_code": _("Choose an area within your own.")})
    valid_from = data.get("valid_from")
    if valid_from is None:
        raise ValidationError({"valid_from": _("Give the day the rule applies from.")})
    values: dict[str, Any] = {
        "name": name[:100],
        "min_age": min_age,
        "below_age": below_age,
        "tags": tags,
        "disability_grades": grades,
        "living_alone": data.get("living_alone"),
        "area": area,
        "valid_from": valid_from,
        "valid_to": None,
        "source": str(data.get("source", "")).strip()[:200],
    }
    if kind == "visit":
        interval = data.get("interval_days")
        if not interval or interval <= 0:
            raise ValidationError({"interval_days": _("Give the days between visits (at least 1).")})
        values["interval_days"] = interval
    if kind == "benefit":
        amount: Decimal | None = data.get("amount")
        provides = str(data.get("provides", "")).strip()
        if amount is not None and amount < 0:
            raise ValidationError({"amount": _("The amount cannot be negative.")})
        if amount is None and not provides:
            raise ValidationError({"provides": _("Say what the group gets: an amount or a description.")})
        values["amount"], values["provides"] = amount, provides[:200]
    return values


def _audit_rule(*, actor: User, action: str, programme: Programme, kind: str, rule: Model, **data: Any) -> None:
    record_event(
        actor=actor,
        action=action,
        obj=programme,
        data={"kind": kind, "rule": rule.pk, **{k: v for k, v in data.items() if v not in (None, "")}},
    )


@transaction.atomic
def rule_add(
    *, actor: User, code: str, kind: str, criteria: dict[str, Any], benefit_code: str = ""
) -> EligibilityRule | BenefitRule | VisitRule:
    """A new dated rule of the programme (a benefit rule belongs to one of its benefits)."""
    programme = _programme(actor, code)
    model = rule_model(kind)
    values = _criteria(actor, kind, criteria)
    if kind == "benefit":
        benefit = Benefit.objects.filter(programme=programme, code=benefit_code).first()
        if benefit is None:
            raise ValidationError({"benefit": _("Choose one of the programme's benefits.")})
        values["benefit"] = benefit
    else:
        values["programme"] = programme
    rule = model.objects.create(**values)
    _audit_rule(
        actor=actor,
        action="programmes.rule_add",
        programme=programme,
        kind=kind,
        rule=rule,
        name=rule.name,
        valid_from=values["valid_from"],
    )
    return rule


def _rule_for(programme: Programme, kind: str, rule_id: int) -> Any:
    rule = rules_of(programme, kind).select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise Http404
    return rule


@transaction.atomic
def rule_replace(
    *, actor: User, code: str, kind: str, rule_id: int, criteria: dict[str, Any]
) -> EligibilityRule | BenefitRule | VisitRule:
    """Change a rule from a day on: the rule in force ends the day before, and a new rule with the new
    values starts that day (the old one stays as history)."""
    programme = _programme(actor, code)
    old = _rule_for(programme, kind, rule_id)
    if old.valid_to is not None:
        raise ValidationError({"valid_from": _("This rule has ended: add a new rule instead.")})
    values = _criteria(actor, kind, criteria)
    starts: datetime.date = values["valid_from"]
    if starts <= old.valid_from:
        raise ValidationError(
            {
                "valid_from": _("The new rule starts after the one it replaces (from %(day)s).")
                % {"day": old.valid_from.isoformat()}
            }
        )
    old.valid_to = starts - datetime.timedelta(days=1)
    old.save(update_fields=["valid_to"])
    if kind == "benefit":
        values["benefit"] = old.benefit
    else:
        values["programme"] = programme
    new: Rule = type(old).objects.create(**values)
    _audit_rule(
        actor=actor,
        action="programmes.rule_replace",
        programme=programme,
        kind=kind,
        rule=new,
        replaces=old.pk,
        valid_from=starts,
    )
    return new


@transaction.atomic
def rule_end(*, actor: User, code: str, kind: str, rule_id: int, on: datetime.date) -> Any:
    """End a rule: it applies up to and including ``on``."""
    programme = _programme(actor, code)
    rule = _rule_for(programme, kind, rule_id)
    if rule.valid_to is not None:
        raise ValidationError({"on": _("This rule has already ended.")})
    if on < rule.valid_from:
        raise ValidationError({"on": _("A rule cannot end before it starts (%(day)s).") % {"day": rule.valid_from}})
    rule.valid_to = on
    rule.save(update_fields=["valid_to"])
    _audit_rule(actor=actor, action="programmes.rule_end", programme=programme, kind=kind, rule=rule, on=on)
    return rule


# ---- reads of the rule pages (the administrator's; the same capability as the writes) ----------------


def programmes_for_edit(*, actor: User) -> list[Programme]:
    require_capability(actor, Capability.REFERENCE_EDIT)
    return list(Programme.objects.order_by("domain", "code"))


def programme_for_edit(*, actor: User, code: str) -> Programme:
    require_capability(actor, Capability.REFERENCE_EDIT)
    programme = Programme.objects.filter(code=code).first()
    if programme is None:
        raise Http404
    return programme


def rule_for_edit(*, actor: User, code: str, kind: str, rule_id: int) -> Any:
    programme = programme_for_edit(actor=actor, code=code)
    rule = rules_of(programme, kind).select_related("area").filter(pk=rule_id).first()
    if rule is None:
        raise Http404
    return rule


def benefit_for_edit(*, actor: User, code: str, benefit_code: str) -> Benefit:
    programme = programme_for_edit(actor=actor, code=code)
    benefit = Benefit.objects.filter(programme=programme, code=benefit_code).first()
    if benefit is None:
        raise Http404
    return benefit

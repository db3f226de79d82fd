"""Every write of the children app: a child's assessment (a care record) and the targets the figures
are read against. Enrolment, the carer (儿童主任) and visits are the programme core's services
(``programmes.common.services``: ``enrol``, ``carer_assign``, ``visit_record``). Keyword-only, the actor
first, atomic, audited in the same transaction."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.models import User
from shequ.audit.services import record_event
from shequ.lib.capabilities import Capability
from shequ.lib.scoping import require_capability
from shequ.programmes.common import access
from shequ.programmes.common.models import EnrolmentState

from .models import PROGRAMME, ChildAssessment, Grade, Need, RiskLevel, Target

NOTES_MAX = 2000
SOURCE_MAX = 300


@transaction.atomic
def assessment_record(
    *,
    actor: User,
    enrolment_id: int,
    risk_level: str,
    needs: list[str],
    notes: str = "",
    assessed_on: datetime.date | None = None,
) -> ChildAssessment:
    """Record an assessment of a child in ``child_care``: by whoever reads the child's care record (the
    carer, the children's programme officers, the street's officers); a 404 to everyone else."""
    enrolment = (
        access.enrolments_visible(actor)
        .select_for_update(of=("self",))
        .select_related("area")
        .filter(programme__code=PROGRAMME, pk=enrolment_id)
        .first()
    )
    if enrolment is None:
        raise Http404
    errors: dict[str, str] = {}
    today = timezone.localdate()
    assessed_on = assessed_on or today
    if enrolment.state == EnrolmentState.ENDED:
        errors["enrolment"] = _("This enrolment has ended.")
    if risk_level not in RiskLevel.values:
        errors["risk_level"] = _("Choose the risk level.")
    unknown = [n for n in needs if n not in Need.values]
    if unknown:
        errors["needs"] = _("Unknown need: %(needs)s.") % {"needs": "、".join(str(n)[:20] for n in unknown)}
    if len(notes) > NOTES_MAX:
        errors["notes"] = _("The notes are at most 2,000 characters.")
    if assessed_on > today or assessed_on < enrolment.started_on:
        errors["assessed_on"] = _("The date lies between the enrolment's start and today.")
    if errors:
        raise ValidationError(errors)
    assessment = ChildAssessment.objects.create(
        enrolment=enrolment,
        assessed_on=assessed_on,
        needs=[n for n in Need.values if n in needs],
        risk_level=risk_level,
        notes=notes.strip(),
        assessed_by=actor,
    )
    # What the child needs and the notes stay out of the trail: it names the record, not its content.
    record_event(actor=actor, action="children.assessment_record", obj=assessment, data={"programme": PROGRAMME})
    return assessment


@transaction.atomic
def target_update(
    *, actor: User, code: str, value: Decimal | float | str, year: int, source: str, grade: str
) -> Target:
    """Correct a target (value, year, source and how well it is established): reference data, edited by
    whoever edits the reference catalogues. The source is required: a figure never stands unexplained."""
    require_capability(actor, Capability.REFERENCE_EDIT)
    target = Target.objects.select_for_update().filter(code=code).first()
    if target is None:
        raise Http404
    errors: dict[str, str] = {}
    try:
        number = Decimal(str(value))
        if not number.is_finite() or number < 0 or number >= Decimal("1000000"):
            raise InvalidOperation
    except InvalidOperation:
        errors["value"] = _("The target is a number not below zero.")
        number = target.value
    if not 2000 <= int(year) <= 2100:
        errors["year"] = _("The year lies between 2000 and 2100.")
    source = (source or "").strip()
    if not source:
        errors["source"] = _("Say where the target comes from.")
    elif len(source) > SOURCE_MAX:
        errors["source"] = _("The source has at most 300 characters.")
    if grade not in Grade.values:
        errors["grade"] = _("Choose how well the source is established.")
    if errors:
        raise ValidationError(errors)
    changed = {
        field: [str(getattr(target, field)), str(new)]
        for field, new in (
            ("value", number.quantize(Decimal("0.01"))),
            ("year", int(year)),
            ("source", source),
            ("grade", grade),
        )
        if str(getattr(target, field)) != str(new)
    }
    target.value, target.year, target.source, target.grade = number, int(year), source, grade
    target.updated_by = actor
    target.full_clean()
    target.save()
    if changed:
        record_event(actor=actor, action="children.target_update", obj=target, data={"code": code, **changed})
    return target

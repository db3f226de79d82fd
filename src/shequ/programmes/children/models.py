"""Models of the children programmes (R15): the targets the figures are read against, and the care
records of children in difficulty (assessments). The children's and women's homes, minor-protection
stations and inclusive childcare are facilities of the resource pool (``resources.Facility`` of the
types in ``FACILITY_TYPES``); the children themselves are enrolments of the ``child_care`` programme of
the programme core, with their carer (儿童主任) and visits."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.areas.models import Area
from shequ.privacy.fields import EncryptedTextField, RowKeyField
from shequ.programmes.common.models import Enrolment

# The programme of the core that carries children in difficulty (data/programmes.json).
PROGRAMME = "child_care"

# Facility types of the resource pool this app reads (reference/data/facility_types.csv).
CHILDREN_HOME = "children_home"
WOMEN_HOME = "women_home"
STATION = "minor_protection_station"
CHILDCARE = "inclusive_childcare"
FACILITY_TYPES = (CHILDREN_HOME, WOMEN_HOME, STATION, CHILDCARE)

# The tags (reference.TagType) of the three groups whose care coverage is followed, in display order.
CATEGORIES = ("left_behind_child", "child_in_difficulty", "orphan")

# Codes of the targets (``Target.code``) the figures compare against.
TARGET_STATIONS = "minor_protection_station_coverage"
TARGET_CARE = "child_care_coverage"
TARGET_PLACES = "childcare_places_per_1000"


class Grade(models.TextChoices):
    """How well a target's source is established (the grading of docs' rules-and-indicators)."""

    A = "A", _("A (official text)")
    B = "B", _("B (official summary)")
    C = "C", _("C (repost or mirror)")
    NOT_ESTABLISHED = "none", _("Not established (set locally)")


class Target(models.Model):
    """A plan target a children's figure is read against (70% of streets with a minor-protection station,
    4.5 childcare places per 1,000 people…): data an administrator corrects, with where it comes from,
    never a constant in code."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100)
    value = models.DecimalField(_("target"), max_digits=8, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=40)
    year = models.PositiveSmallIntegerField(_("by year"))
    source = models.CharField(_("source"), max_length=300)
    grade = models.CharField(_("source grade"), max_length=4, choices=Grade.choices)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("children's target")
        verbose_name_plural = _("children's targets")
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=models.Q(value__gte=0), name="children_target_not_negative")]

    def __str__(self) -> str:
        return self.code


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Need(models.TextChoices):
    """What a child needs help with: the three kinds of 困境儿童 (国发〔2016〕36号: poverty, own disability,
    guardianship) broken down as carers record them."""

    LIVING = "living", _("Basic living")
    MEDICAL = "medical", _("Medical care and rehabilitation")
    SCHOOLING = "schooling", _("Schooling")
    GUARDIANSHIP = "guardianship", _("Guardianship")
    SAFETY = "safety", _("Personal safety")
    PSYCHOLOGICAL = "psychological", _("Emotional support")


class ChildAssessment(models.Model):
    """One assessment of a child in the ``child_care`` programme: needs, risk level and the carer's notes.
    A care record of a restricted programme: read only through the enrolment (``access``: the child's
    carer, the children's programme officers and the street's officers). The notes are encrypted."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="+")
    assessed_on = models.DateField(_("assessed on"))
    needs = models.JSONField(_("needs"), default=list, blank=True)
    risk_level = models.CharField(_("risk level"), max_length=8, choices=RiskLevel.choices)
    row_key = RowKeyField()
    notes = EncryptedTextField(_("carer's notes"))
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("child assessment")
        verbose_name_plural = _("child assessments")
        ordering = ["-assessed_on", "-pk"]

    def __str__(self) -> str:
        return f"child assessment #{self.pk}"

    @property
    def audit_area(self) -> Area:
        return self.enrolment.area

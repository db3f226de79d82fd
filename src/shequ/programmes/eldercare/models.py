"""Models of the eldercare programmes that the programme core does not hold: a family care bed
(家庭养老床位) per enrolment with its care plan and the provider's service visits, and an age-friendly
retrofit (适老化改造) per household with its items, stages and photos. Care visits (关怀访视) are the
core's ``Visit``; the basic elderly-care service list is the core's benefits and their groups."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.areas.models import Area
from shequ.programmes.common.models import Enrolment


class FamilyBed(models.Model):
    """One family care bed: the enrolment of a person in ``family_bed``, the contracted provider (also the
    enrolment's ``provider``), the day it was set up and the care plan (items with their frequency)."""

    enrolment = models.OneToOneField(Enrolment, on_delete=models.PROTECT, related_name="family_bed")
    provider = models.ForeignKey(
        "entities.LegalEntity", on_delete=models.PROTECT, related_name="+", verbose_name=_("provider")
    )
    set_up_on = models.DateField(_("set up on"))
    # [{"item": "助浴", "frequency": "每周1次"}, …]: the plan the provider agreed to.
    care_plan = models.JSONField(_("care plan"), default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("family care bed")
        verbose_name_plural = _("family care beds")
        ordering = ["-set_up_on", "-pk"]

    def __str__(self) -> str:
        return f"family bed #{self.pk}"

    @property
    def audit_area(self) -> Area:
        return self.enrolment.area


class BedVisit(models.Model):
    """A service visit of a family care bed: what was done, when and where (the phone's position when
    given)."""

    bed = models.ForeignKey(FamilyBed, on_delete=models.CASCADE, related_name="visits")
    at = models.DateTimeField(_("visited at"))
    service = models.CharField(_("service"), max_length=100)
    place = models.CharField(_("place"), max_length=200, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    minutes = models.PositiveSmallIntegerField(_("minutes"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("bed service visit")
        verbose_name_plural = _("bed service visits")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["bed", "at"], name="bedvisit_bed_at")]

    def __str__(self) -> str:
        return f"bed visit #{self.pk}"

    @property
    def audit_area(self) -> Area:
        return self.bed.enrolment.area


class RetrofitItem(models.Model):
    """An item of the recommended retrofit list (民发〔2020〕86号: 7 basic items the government subsidises
    for hardship households, the optional ones the family pays for). Reference data (``reference.py``)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=40)
    basic = models.BooleanField(_("basic item"), default=False)
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)
    source = models.CharField(_("source"), max_length=200, blank=True)
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("retrofit item")
        verbose_name_plural = _("retrofit items")
        ordering = ["-basic", "ordering", "code"]

    def __str__(self) -> str:
        return self.code


class RetrofitTarget(models.Model):
    """A plan's target of retrofitted households in an area by a day (the city's 1.1万户 by 2025), with
    its source: reference data the administrator edits."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    households = models.PositiveIntegerField(_("households"))
    due_on = models.DateField(_("by"))
    source = models.CharField(_("source"), max_length=300)

    class Meta:
        verbose_name = _("retrofit target")
        verbose_name_plural = _("retrofit targets")
        ordering = ["area__path", "-due_on"]
        constraints = [models.UniqueConstraint(fields=["area", "due_on"], name="retrofittarget_area_due")]

    def __str__(self) -> str:
        return f"retrofit target #{self.pk}"

    @property
    def audit_area(self) -> Area:
        return self.area


class RetrofitStage(models.TextChoices):
    """The stages in their order: a project waits for its assessment, then its works, then acceptance."""

    ASSESSMENT = "assessment", _("Assessment")
    WORKS = "works", _("Works")
    ACCEPTANCE = "acceptance", _("Acceptance")
    COMPLETED = "completed", _("Completed")


STAGE_ORDER = [RetrofitStage.ASSESSMENT, RetrofitStage.WORKS, RetrofitStage.ACCEPTANCE, RetrofitStage.COMPLETED]


class RetrofitProject(models.Model):
    """The retrofit of one household (its enrolment in ``retrofit``): the items chosen at the assessment,
    the stage it waits for, and each stage's record (``RetrofitStep``)."""

    enrolment = models.OneToOneField(Enrolment, on_delete=models.PROTECT, related_name="retrofit")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    stage = models.CharField(
        _("waiting for"), max_length=16, choices=RetrofitStage.choices, default=RetrofitStage.ASSESSMENT
    )
    items = models.ManyToManyField(RetrofitItem, related_name="+", blank=True, verbose_name=_("items"))
    completed_on = models.DateField(_("completed on"), null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("retrofit project")
        verbose_name_plural = _("retrofit projects")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"retrofit #{self.pk}"

    @property
    def audit_area(self) -> Area:
        return self.area


class RetrofitStep(models.Model):
    """One stage done: who, on which day, and a note (the assessor's findings, the works done)."""

    project = models.ForeignKey(RetrofitProject, on_delete=models.CASCADE, related_name="steps")
    stage = models.CharField(_("stage"), max_length=16, choices=RetrofitStage.choices)
    done_on = models.DateField(_("done on"))
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=1000, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("retrofit stage")
        verbose_name_plural = _("retrofit stages")
        ordering = ["done_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["project", "stage"], name="retrofitstep_once")]

    def __str__(self) -> str:
        return f"retrofit step #{self.pk}"


class RetrofitPhoto(models.Model):
    """A photo of a stage (before, during, after): type read from its content, stored sealed outside the
    static root like a case's attachment, served only to those who reach the project."""

    project = models.ForeignKey(RetrofitProject, on_delete=models.CASCADE, related_name="photos")
    stage = models.CharField(_("stage"), max_length=16, choices=RetrofitStage.choices)
    filename = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(_("type"), max_length=60)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    stored_name = models.CharField(max_length=80, unique=True)
    uploaded_at = models.DateTimeField(_("uploaded"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("retrofit photo")
        verbose_name_plural = _("retrofit photos")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return f"retrofit photo #{self.pk}"

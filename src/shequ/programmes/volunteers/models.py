"""Mutual-aid care (互助性养老) with a time bank (时间银行): residents volunteer, community staff confirm
them, small care tasks for elders are posted, taken by one volunteer, done and confirmed; confirmed
hours are banked in the volunteer's ledger and redeemed later for them or their family.

Scoped by the programme ``time_bank`` (``programmes.common.access``): staff reach the volunteers and the
tasks of their area, a programme officer those of the domain the programme belongs to (eldercare).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.areas.models import Area

PROGRAMME_CODE = "time_bank"


class ServiceType(models.Model):
    """What a volunteer offers and a task asks for (陪伴, 代购, 陪诊…): reference data the programme's
    officers edit; a type no longer offered is made inactive, never deleted (records name it)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("volunteer service type")
        verbose_name_plural = _("volunteer service types")
        ordering = ["ordering", "code"]

    def __str__(self) -> str:
        return self.code


class VolunteerState(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_VOLUNTEER_STATES = (VolunteerState.PENDING, VolunteerState.CONFIRMED)


class Volunteer(models.Model):
    """A registered volunteer: one of the people registered with a resident account's phone, filed in the
    area they lived in when they registered. The time-bank account is their ledger (``LedgerEntry``)."""

    person = models.ForeignKey("residents.Person", on_delete=models.PROTECT, related_name="+")
    # The resident account that registered them (the volunteer acts from the portal through it).
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    skills = models.CharField(_("skills"), max_length=200, blank=True)
    service_types = models.ManyToManyField(ServiceType, related_name="+", verbose_name=_("services offered"))
    availability = models.CharField(_("availability"), max_length=200)
    consent_at = models.DateTimeField(_("consent given"))
    state = models.CharField(_("state"), max_length=16, choices=VolunteerState.choices, default=VolunteerState.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(state__in=["pending", "confirmed"]),
                name="volunteer_one_open_per_person",
            ),
        ]
        indexes = [models.Index(fields=["state"], name="volunteer_state")]

    def __str__(self) -> str:
        return f"volunteer #{self.pk}"

    @property
    def audit_area(self) -> Area:
        return self.area


class TaskState(models.TextChoices):
    OPEN = "open", _("Open")
    TAKEN = "taken", _("Taken")
    DONE = "done", _("Done, hours to confirm")
    CONFIRMED = "confirmed", _("Hours confirmed")
    CANCELLED = "cancelled", _("Cancelled")


class CareTask(models.Model):
    """A small task for an elder (60+), in the elder's area. Before a volunteer takes it, volunteers see
    its community and street only: never the elder's name or address."""

    elder = models.ForeignKey("residents.Person", on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    service_type = models.ForeignKey(
        ServiceType, on_delete=models.PROTECT, related_name="+", verbose_name=_("service type")
    )
    starts_at = models.DateTimeField(_("when"))
    duration_minutes = models.PositiveSmallIntegerField(_("estimated duration (minutes)"))
    # What the volunteer reads before taking it: no name, no address (the form says so).
    description = models.CharField(_("what is needed"), max_length=300, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=TaskState.choices, default=TaskState.OPEN)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    posted_at = models.DateTimeField(_("posted"), auto_now_add=True)
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks", verbose_name=_("volunteer")
    )
    taken_at = models.DateTimeField(_("taken"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    hours = models.DecimalField(_("hours served"), max_digits=4, decimal_places=1, null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    # Who confirmed, as the service record names them: the elder or their family, or community staff.
    confirmed_as = models.CharField(_("confirmed as"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("care task")
        verbose_name_plural = _("care tasks")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["state", "starts_at"], name="caretask_state_start")]

    def __str__(self) -> str:
        return f"care task #{self.pk}"

    @property
    def audit_area(self) -> Area:
        return self.area


class EntryKind(models.TextChoices):
    SERVICE = "service", _("Hours served (confirmed)")
    REDEMPTION = "redemption", _("Hours redeemed")


class LedgerEntry(models.Model):
    """One row of a volunteer's time-bank account: a credit (hours served, confirmed) or a debit (hours
    redeemed), with its reason. The balance is the sum of the rows; no balance is stored or edited, and
    rows are never changed."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    # Positive for a credit, negative for a debit.
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    reason = models.CharField(_("reason"), max_length=200)
    task = models.ForeignKey(CareTask, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Whom a redemption served: the volunteer or a member of their household.
    beneficiary = models.ForeignKey(
        "residents.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"))
    # Where the volunteer's record is kept (their area), for the figures by area.
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("time-bank entry")
        verbose_name_plural = _("time-bank entries")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="service", hours__gt=0) | models.Q(kind="redemption", hours__lt=0)),
                name="ledgerentry_sign_by_kind",
            ),
            # A task is credited once, and paid for with banked hours at most once.
            models.UniqueConstraint(fields=["task", "kind"], name="ledgerentry_once_per_task"),
        ]

    def __str__(self) -> str:
        return f"time-bank entry #{self.pk}"

    @property
    def audit_area(self) -> Area:
        return self.area


ZERO = Decimal("0.0")

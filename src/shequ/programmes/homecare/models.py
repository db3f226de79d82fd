"""Government-bought home care (居家养老服务): the service types (reference data), the providers with
their service areas and types, the orders an enrolled elder's hours are spent on (each the side record of
a case of kind ``homecare_order``), the offers of an order to providers, and emergency calls (一键呼叫,
each the side record of a case of kind ``emergency_call``).

The order's state is the provider's part of the work (offered, accepted, checked in, done); the case
carries the timeline, the deadline and the audit trail, as every domain's work does.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.areas.models import Area


class ServiceType(models.Model):
    """A kind of home-care service (助餐, 助洁, 助浴…): reference data an administrator edits."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("home-care service type")
        verbose_name_plural = _("home-care service types")
        ordering = ["ordering", "code"]

    def __str__(self) -> str:
        return self.code


class Provider(models.Model):
    """A home-care provider: a legal entity, the areas it serves (each a subtree) and the services it
    offers. An order is offered to a provider only where both match."""

    entity = models.OneToOneField(
        "entities.LegalEntity", on_delete=models.PROTECT, related_name="+", verbose_name=_("legal entity")
    )
    areas = models.ManyToManyField(Area, related_name="+", verbose_name=_("service areas"))
    service_types = models.ManyToManyField(ServiceType, related_name="providers", verbose_name=_("services"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = _("home-care provider")
        verbose_name_plural = _("home-care providers")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"provider #{self.pk}"


class OrderState(models.TextChoices):
    NEW = "new", _("Not yet offered")
    OFFERED = "offered", _("Offered to providers")
    ACCEPTED = "accepted", _("Accepted")
    CHECKED_IN = "checked_in", _("Checked in")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


# The states in which an order still spends the elder's hours (planned, or delivered).
SPENDING_STATES = frozenset({OrderState.NEW, OrderState.OFFERED, OrderState.ACCEPTED, OrderState.CHECKED_IN})


class HomeCareOrder(models.Model):
    """One visit of home care for an enrolled elder: what, when, how long; who accepted it; when and
    where the provider's worker checked in and out; the family's rating."""

    case = models.OneToOneField("casework.Case", on_delete=models.PROTECT, related_name="homecare_order")
    enrolment = models.ForeignKey("programmes.Enrolment", on_delete=models.PROTECT, related_name="+")
    # Where the service is given: the elder's address's area (a grid, or a community).
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="+", verbose_name=_("service"))
    scheduled_start = models.DateTimeField(_("scheduled start"), db_index=True)
    planned_minutes = models.PositiveIntegerField(_("planned minutes"))
    state = models.CharField(_("state"), max_length=16, choices=OrderState.choices, default=OrderState.NEW)
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="orders", verbose_name=_("provider")
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    checkin_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    checkin_lon = models.FloatField(null=True, blank=True)
    checkin_lat = models.FloatField(null=True, blank=True)
    checkout_at = models.DateTimeField(_("checked out"), null=True, blank=True)
    checkout_lon = models.FloatField(null=True, blank=True)
    checkout_lat = models.FloatField(null=True, blank=True)
    delivered_minutes = models.PositiveIntegerField(_("delivered minutes"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_reason = models.TextField(_("reason"), blank=True)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = _("home-care order")
        verbose_name_plural = _("home-care orders")
        ordering = ["-scheduled_start", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(planned_minutes__gt=0), name="homecare_order_minutes_positive"),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="homecare_order_rating_range",
            ),
        ]
        indexes = [models.Index(fields=["enrolment", "scheduled_start"], name="homecare_order_month")]

    def __str__(self) -> str:
        return f"order #{self.pk}"

    @property
    def audit_area(self) -> Area:
        return self.area


class OrderOffer(models.Model):
    """An order offered to one provider (the dispatch): its staff see the order and may accept it."""

    order = models.ForeignKey(HomeCareOrder, on_delete=models.CASCADE, related_name="offers")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="offers")
    offered_at = models.DateTimeField(_("offered"))

    class Meta:
        verbose_name = _("order offer")
        verbose_name_plural = _("order offers")
        constraints = [models.UniqueConstraint(fields=["order", "provider"], name="homecare_offer_unique")]

    def __str__(self) -> str:
        return f"offer #{self.pk}"


class EmergencyCall(models.Model):
    """One press of the emergency button (一键呼叫) for an elder: the urgent case it opened, and the first
    response (the grid's worker or the contracted provider acknowledging it)."""

    case = models.OneToOneField("casework.Case", on_delete=models.PROTECT, related_name="emergency_call")
    person = models.ForeignKey("residents.Person", on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    called_at = models.DateTimeField(_("called"))
    called_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("emergency call")
        verbose_name_plural = _("emergency calls")
        ordering = ["-called_at", "-pk"]

    def __str__(self) -> str:
        return f"emergency call #{self.pk}"

    @property
    def audit_area(self) -> Area:
        return self.area

    @property
    def response_seconds(self) -> int | None:
        if self.acknowledged_at is None:
            return None
        return int((self.acknowledged_at - self.called_at).total_seconds())


class CoverageTarget(models.Model):
    """The plan's target for the share of urban communities with government-bought home care (all of
    them by 2025): editable data, dated."""

    due_on = models.DateField(_("by"))
    percent = models.DecimalField(_("target (%)"), max_digits=5, decimal_places=2)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("coverage target")
        verbose_name_plural = _("coverage targets")
        ordering = ["due_on"]

    def __str__(self) -> str:
        return f"coverage target {self.due_on}"

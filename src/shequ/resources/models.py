"""The resource pool (社区资源信息池): facilities and service points."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.areas.models import AreaScopedModel
from shequ.entities.models import LegalEntity
from shequ.reference.models import FacilityType


class CoordinateSystem(models.TextChoices):
    """What a point was measured in: GPS (WGS-84, what the pool stores), or a Chinese map service, whose
    GCJ-02 coordinates are offset by up to a few hundred metres (``lib.geo``)."""

    WGS84 = "wgs84", _("GPS (WGS-84)")
    GCJ02 = "gcj02", _("Chinese map service (GCJ-02)")


class Facility(AreaScopedModel):
    """A facility or service point in the resource pool (社区资源信息池)."""

    type = models.ForeignKey(FacilityType, on_delete=models.PROTECT, related_name="facilities", verbose_name=_("type"))
    name = models.CharField(_("name"), max_length=150)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lon = models.FloatField(_("longitude (WGS-84)"))
    lat = models.FloatField(_("latitude (WGS-84)"))
    floor_area_m2 = models.DecimalField(_("floor area (m²)"), max_digits=10, decimal_places=1, null=True, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)
    operator = models.ForeignKey(
        LegalEntity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="facilities",
        verbose_name=_("operator"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lon__gte=-180, lon__lte=180, lat__gte=-90, lat__lte=90),
                name="facility_coordinates_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"facility #{self.pk}"


class FacilityChange(models.Model):
    """One entry of a facility's visible history: added, edited (the fields changed, old and new), closed
    or reopened, by whom, when and why. Facilities hold no personal data, so the values are kept here for
    the staff who edit them; the audit trail records the same write for the auditors."""

    class Action(models.TextChoices):
        CREATE = "create", _("Added")
        EDIT = "edit", _("Edited")
        CLOSE = "close", _("Closed")
        REOPEN = "reopen", _("Reopened")

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="changes", verbose_name=_("facility"))
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    changes = models.JSONField(_("changes"), default=dict, blank=True)  # field -> [old, new]
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("facility change")
        verbose_name_plural = _("facility changes")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"facility change #{self.pk} {self.action}"

"""Legal entities (法人): companies, social organisations, property companies, merchants and O2O stores."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.areas.models import AreaScopedModel


class LegalEntity(AreaScopedModel):
    """A company, social organisation, property-management company or O2O store (法人)."""

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        SOCIAL_ORGANISATION = "social_org", _("Social organisation")
        PROPERTY_MANAGEMENT = "property", _("Property-management company")
        O2O_STORE = "o2o", _("E-commerce O2O store")
        PUBLIC_INSTITUTION = "institution", _("Public institution")

    name = models.CharField(_("name"), max_length=150, db_index=True)
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    address = models.CharField(_("address"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("legal entity")
        verbose_name_plural = _("legal entities")

    def __str__(self) -> str:
        return f"entity #{self.pk}"

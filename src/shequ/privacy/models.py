"""What the privacy app keeps of its own: the list of reasons a person's data may be revealed for."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RevealReason(models.Model):
    """A category of reason for showing a personal value unmasked (上门走访核实, 数据纠错…).

    City administrators edit the list (``reference.edit``); a reveal names one active category and says
    in its own words why. A category is deactivated, never deleted: the audit trail names it by code.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("reveal reason")
        verbose_name_plural = _("reveal reasons")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.code

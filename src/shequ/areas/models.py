"""The administrative tree: city > district/county > street/township > community/village > grid."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.lib.scoping import ScopedQuerySet


class CodeSystem(models.TextChoices):
    NBS_2023 = "nbs2023", _("NBS statistical division code 2023")
    MCA_2025 = "mca2025", _("Ministry of Civil Affairs administrative code 2025")
    LOCAL = "local", _("Local code")


class Level(models.IntegerChoices):
    PROVINCE = 1, _("Province")
    CITY = 2, _("City")
    DISTRICT = 3, _("District / county")
    STREET = 4, _("Street / township")
    COMMUNITY = 5, _("Community / village")
    GRID = 6, _("Grid")


class Kind(models.TextChoices):
    """What a level-5 unit is (NBS: codes 001–199 居委会, 200–399 村委会; named by its own name here)."""

    COMMUNITY = "community", _("Urban community")
    VILLAGE = "village", _("Village")
    VIRTUAL = "virtual", _("Virtual living area")
    NONE = "", _("-")


class Area(models.Model):
    """One unit of the tree. ``path`` is the chain of codes from the root ("/2101…/2101020…/"), so a
    subtree is one indexed prefix match; it is the key of every area-scoped read."""

    area_path_lookup = "path"

    code = models.CharField(_("code"), max_length=20, unique=True)
    code_system = models.CharField(_("code system"), max_length=16, choices=CodeSystem.choices)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, blank=True, default="")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    path = models.CharField(_("path"), max_length=200, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    # GeoJSON geometry (WGS-84 / CGCS2000) where a boundary is known; districts only for now.
    boundary = models.JSONField(_("boundary"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    # The names from the district down, set by ``selectors.area_search`` for a picker; not a field.
    label: str = ""

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def audit_area(self) -> Area:
        return self

    @property
    def ancestor_codes(self) -> list[str]:
        return [code for code in self.path.strip("/").split("/")[:-1]]


class AreaCode(models.Model):
    """A code of the area in another code system (e.g. the MCA township code beside the NBS one).

    Codes of different systems collide (210102022 is 太原街街道 for NBS 2023, 沈水湾街道 for MCA 2025),
    so a code is only meaningful with its system.
    """

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="other_codes")
    system = models.CharField(_("code system"), max_length=16, choices=CodeSystem.choices)
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name in that system"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("area code")
        verbose_name_plural = _("area codes")
        constraints = [
            models.UniqueConstraint(fields=["system", "code"], name="areacode_unique_per_system"),
            models.UniqueConstraint(fields=["area", "system"], name="areacode_one_per_area_and_system"),
        ]

    def __str__(self) -> str:
        return f"{self.system}:{self.code}"


class AreaScopedModel(models.Model):
    """The base of every model whose rows belong to one area: the area, the scoped manager
    (``objects.visible_to(actor, capability)``) and the area its audit events are filed under."""

    area_path_lookup = "area__path"

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def audit_area(self) -> Area:
        return self.area

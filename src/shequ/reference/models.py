"""Reference data that administrators edit: special-group tag types, facility types (later the
working-day calendar and dated thresholds). Seeded from bundled files, never overwritten."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CircleLevel(models.TextChoices):
    """The living-circle levels of GB 50180-2018 §4 (residential block, 5-, 10- and 15-minute circles)."""

    BLOCK = "block", _("Block")
    FIVE = "5min", _("5 minutes")
    TEN = "10min", _("10 minutes")
    FIFTEEN = "15min", _("15 minutes")


class TagType(models.Model):
    """A special-group tag that is recorded, not computed: disability, 低保, left-behind child…

    Reference data an administrator edits. Tags that follow from data (60+, 80+, living alone,
    minor) are never stored: selectors compute them.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    has_grade = models.BooleanField(_("has a grade"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("tag type")
        verbose_name_plural = _("tag types")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class FacilityType(models.Model):
    """A type of facility of the living circle (GB 50180-2018 Appendix B, MOFCOM 2021 guide).

    Loaded from the bundled catalogue; a city administrator edits it.
    """

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=60, blank=True)
    circle_level = models.CharField(_("living-circle level"), max_length=10, choices=CircleLevel.choices, blank=True)
    required = models.BooleanField(_("required"), default=False)
    service_radius_m = models.PositiveIntegerField(_("service radius (m)"), null=True, blank=True)
    mofcom_tier = models.CharField(_("MOFCOM tier"), max_length=10, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("facility type")
        verbose_name_plural = _("facility types")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class CalendarDay(models.Model):
    """A day that differs from the plain week: a weekday off (a public holiday or a bridging day) or a
    weekend day that is worked (调休 make-up workday). Seeded from the ``holidays`` package; an
    administrator corrects and extends it when the State Council publishes a year's arrangement."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Day off")
        WORKDAY = "workday", _("Make-up workday")

    day = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=80, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {self.kind}"


class CalendarYear(models.Model):
    """Whether a year's holiday arrangement is official (published and entered). Deadlines that run into a
    year that is not are flagged."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    official = models.BooleanField(_("official arrangement entered"), default=False)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)

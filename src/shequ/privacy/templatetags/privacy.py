import datetime

from django import template
from django.db import models
from django.utils import timezone

from shequ.lib.masking import age_in_years
from shequ.privacy.fields import masked as mask_field

register = template.Library()


@register.simple_tag
def masked(instance: models.Model, field_name: str) -> str:
    """The masked display of a personal field; templates have no other way to show one."""
    return mask_field(instance, field_name) or "-"


@register.filter
def age(birth: datetime.date | None) -> int | str:
    """The age in whole years today: what pages show instead of a birth date (which, beside even a
    masked identity number, narrows it to a handful)."""
    return age_in_years(birth, timezone.localdate()) if birth else "-"

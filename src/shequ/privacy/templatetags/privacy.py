from django import template
from django.db import models

from shequ.privacy.fields import masked as mask_field

register = template.Library()


@register.simple_tag
def masked(instance: models.Model, field_name: str) -> str:
    """The masked display of a personal field; templates have no other way to show one."""
    return mask_field(instance, field_name) or "-"

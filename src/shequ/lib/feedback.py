"""The one way a page turns errors into a message: each field named, its first message, joined by "；"."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def errors_text(source: ValidationError | forms.Form) -> str:
    """One line for a flash message, from a service's ValidationError or a bound form's errors."""
    if isinstance(source, forms.Form):
        return "；".join(
            f"{source.fields[key].label}：{messages[0]}" if key in source.fields else str(messages[0])
            for key, messages in source.errors.items()
        )
    return "；".join(source.messages)

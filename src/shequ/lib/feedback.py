"""The one way a page reports the outcome of a form: a service's ValidationError goes onto the form beside
the form's own errors, and a flash message says them in one line (each field named, its first message,
joined by "；")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

_T = TypeVar("_T")


def errors_text(source: ValidationError | forms.Form) -> str:
    """One line for a flash message, from a service's ValidationError or a bound form's errors."""
    if isinstance(source, forms.Form):
        return "；".join(
            f"{source.fields[key].label}：{messages[0]}" if key in source.fields else str(messages[0])
            for key, messages in source.errors.items()
        )
    return "；".join(source.messages)


def add_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's errors on the form: on the field they name, or above the form when it has no such
    field."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def submit(form: forms.Form, write: Callable[[dict[str, Any]], _T]) -> _T | None:
    """Call ``write`` (one service) with the cleaned data of a valid bound form and return its result;
    None when the form, or the service, found errors (they are on the form then)."""
    if not form.is_valid():
        return None
    try:
        return write(form.cleaned_data)
    except ValidationError as exc:
        add_errors(form, exc)
        return None


def submit_and_flash(
    request: HttpRequest, form: forms.Form, write: Callable[[dict[str, Any]], object], success: str
) -> None:
    """``submit`` for a form that posts and redirects: the outcome is a flash message, ``success`` or the
    errors in one line."""
    if submit(form, write) is None:
        messages.error(request, errors_text(form))
    else:
        messages.success(request, success)

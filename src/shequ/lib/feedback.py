"""The one way a page reports the outcome of a form: a service's ValidationError goes onto the form beside
the form's own errors, and a flash message says them in one line: one message per problem (each field
named, its first message), joined by "；" with the messages' own closing stops dropped, so the line never
reads "。；"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import ngettext_lazy

# Django's own form messages, said more plainly than its Chinese catalogue ("确保该变量包含不超过 50 字符"):
# our catalogue comes first (LOCALE_PATHS), and naming the msgids here keeps them in it.
STOCK_MESSAGES = (
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
)

_T = TypeVar("_T")


_STOPS = "。.；;，, "


def join_messages(messages: list[str]) -> str:
    """Messages as one line: each once, in order, without its closing stop, joined by "；" and closed
    by one "。"."""
    parts = list(dict.fromkeys(m.strip().rstrip(_STOPS) for m in messages if m.strip().rstrip(_STOPS)))
    return "；".join(parts) + "。" if parts else ""


def errors_text(source: ValidationError | forms.Form) -> str:
    """One line for a flash message, from a service's ValidationError or a bound form's errors."""
    if isinstance(source, forms.Form):
        return join_messages(
            [
                f"{source.fields[key].label}：{messages[0]}" if key in source.fields else str(messages[0])
                for key, messages in source.errors.items()
            ]
        )
    return join_messages(source.messages)


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

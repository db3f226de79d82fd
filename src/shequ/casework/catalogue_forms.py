"""The city administrator's form for a catalogue item. The item's form and materials are edited as text,
one entry per line, fields separated by "|" (the page explains the syntax):

- form: ``name|label|type|required|choice1,choice2`` (``required``: 必填/选填, required/optional, 是/否, 1/0)
- materials: ``code|name|required``

Each line is checked by the catalogue's own validators, and an error names the line.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from . import catalogue
from .models import ITEM_CHANNELS, ChannelChoice, LimitUnitChoice

_SEPARATOR = re.compile(r"[|｜]")
_CHOICE_SEPARATOR = re.compile(r"[,，、]")
_YES = {"required", "必填", "是", "1", "yes", "y", "true"}
_NO = {"optional", "选填", "否", "0", "no", "n", "false", ""}


def _required_word(flag: bool) -> str:
    return pgettext("catalogue", "required") if flag else pgettext("catalogue", "optional")


def _flag(token: str, line: int) -> bool:
    word = token.strip().lower()
    if word in _YES or word == pgettext("catalogue", "required").lower():
        return True
    if word in _NO or word == pgettext("catalogue", "optional").lower():
        return False
    raise ValidationError(
        gettext("Line %(line)d: “%(word)s” is not 必填 (required) or 选填 (optional).") % {"line": line, "word": token}
    )


def _lines(text: str) -> list[tuple[int, list[str]]]:
    """The non-blank lines of a textarea, numbered as the page shows them, split at "|"."""
    return [
        (number, [part.strip() for part in _SEPARATOR.split(raw)])
        for number, raw in enumerate(text.splitlines(), start=1)
        if raw.strip()
    ]


def form_spec_text(spec: list[dict[str, Any]]) -> str:
    return "\n".join(
        "|".join(
            [f["name"], f["label"], f["type"], _required_word(bool(f.get("required")))]
            + ([",".join(f["choices"])] if f.get("choices") else [])
        )
        for f in spec
    )


def materials_spec_text(spec: list[dict[str, Any]]) -> str:
    return "\n".join("|".join([m["code"], m["name"], _required_word(bool(m.get("required")))]) for m in spec)


def parse_form_spec(text: str) -> list[dict[str, Any]]:
    spec: list[dict[str, Any]] = []
    numbers: list[int] = []
    for number, parts in _lines(text):
        if not 3 <= len(parts) <= 5:
            raise ValidationError(
                gettext("Line %(line)d: write name|label|type|required, and |choices for a choice field.")
                % {"line": number}
            )
        field: dict[str, Any] = {"name": parts[0], "label": parts[1], "type": parts[2]}
        field["required"] = _flag(parts[3], number) if len(parts) > 3 else False
        if len(parts) == 5:
            field["choices"] = [c.strip() for c in _CHOICE_SEPARATOR.split(parts[4]) if c.strip()]
        spec.append(field)
        numbers.append(number)
    return catalogue.clean_form_spec(spec, lines=numbers)


def parse_materials_spec(text: str) -> list[dict[str, Any]]:
    spec: list[dict[str, Any]] = []
    numbers: list[int] = []
    for number, parts in _lines(text):
        if not 2 <= len(parts) <= 3:
            raise ValidationError(gettext("Line %(line)d: write code|name|required.") % {"line": number})
        spec.append(
            {"code": parts[0], "name": parts[1], "required": _flag(parts[2], number) if len(parts) == 3 else True}
        )
        numbers.append(number)
    return catalogue.clean_materials_spec(spec, lines=numbers)


class ServiceItemForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    department = forms.CharField(label=_("Department"), max_length=80)
    legal_basis = forms.CharField(
        label=_("Legal basis"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3, "cols": 32})
    )
    description = forms.CharField(
        label=_("Description"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3, "cols": 32})
    )
    time_limit = forms.IntegerField(label=_("Time limit"), min_value=1, max_value=catalogue.TIME_LIMIT_MAX)
    time_limit_unit = forms.ChoiceField(label=_("Time limit unit"), choices=LimitUnitChoice.choices)
    channels = forms.MultipleChoiceField(
        label=_("Channels offered"),
        choices=[(c, label) for c, label in ChannelChoice.choices if c in ITEM_CHANNELS],
        widget=forms.CheckboxSelectMultiple,
    )
    one_open_per_applicant = forms.BooleanField(label=_("One open case per applicant"), required=False)
    is_active = forms.BooleanField(label=_("Offered"), required=False)
    form = forms.CharField(
        label=_("Form fields (one per line: name|label|type|required|choices)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 32, "spellcheck": "false"}),
    )
    materials = forms.CharField(
        label=_("Materials (one per line: code|name|required)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 32, "spellcheck": "false"}),
    )

    def clean_form(self) -> list[dict[str, Any]]:
        return parse_form_spec(self.cleaned_data.get("form", ""))

    def clean_materials(self) -> list[dict[str, Any]]:
        return parse_materials_spec(self.cleaned_data.get("materials", ""))

    @classmethod
    def initial_of(cls, item: Any) -> dict[str, Any]:
        return {
            "name": item.name,
            "department": item.department,
            "legal_basis": item.legal_basis,
            "description": item.description,
            "time_limit": item.time_limit,
            "time_limit_unit": item.time_limit_unit,
            "channels": list(item.channels),
            "one_open_per_applicant": item.one_open_per_applicant,
            "is_active": item.is_active,
            "form": form_spec_text(item.form),
            "materials": materials_spec_text(item.materials),
        }


class NewServiceItemForm(ServiceItemForm):
    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("Lower-case letters, digits and underscores; it cannot be changed later."),
    )
    concerns_place = forms.BooleanField(
        label=_("Concerns a place, not a person (offered through Open311)"), required=False
    )
    open311_group = forms.CharField(label=_("Open311 group"), max_length=40, required=False)

    field_order = ["code", "name", "department"]

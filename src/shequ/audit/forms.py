from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .catalogue import action_choices


class EventFilterForm(forms.Form):
    """The auditor's filters (a GET form): a wrong value is an error beside its field, never a 404."""

    person = forms.CharField(label=_("Person (user name or name)"), required=False, max_length=50)
    action = forms.ChoiceField(label=_("Action"), required=False, choices=action_choices)
    area = forms.CharField(label=_("Area code"), required=False, max_length=20)
    since = forms.DateField(label=_("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_person(self) -> str:
        return " ".join(str(self.cleaned_data.get("person") or "").split())

    def clean_area(self) -> str:
        code = str(self.cleaned_data.get("area") or "").strip()
        if code and not re.fullmatch(r"\d{2,20}", code):
            raise ValidationError(_("An area code is made of digits, e.g. 210102001001."), code="invalid")
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date comes before the start date."))
        return data

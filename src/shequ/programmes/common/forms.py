"""Forms of the programme core's pages: enrol, change an enrolment, review, name the carer."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import EnrolmentState


class EnrolForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


CHANGES = [("suspend", _("Suspend")), ("resume", _("Resume")), ("end", _("End"))]


class ChangeForm(forms.Form):
    """Suspend, resume or end an enrolment, with the reason."""

    action = forms.ChoiceField(label=_("Action"), choices=CHANGES)
    reason = forms.CharField(label=_("Reason"), max_length=500)
    on = forms.DateField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, state: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = {"active": ["suspend", "end"], "suspended": ["resume", "end"]}.get(state)
        if allowed is not None:
            field = self.fields["action"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [(code, label) for code, label in CHANGES if code in allowed]


class ReviewForm(forms.Form):
    keep = forms.TypedChoiceField(
        label=_("Outcome of the review"),
        choices=[("1", _("Still eligible: keep")), ("0", _("End the enrolment"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class CarerForm(forms.Form):
    carer = forms.TypedChoiceField(label=_("Carer"), coerce=int)

    def __init__(self, *args: Any, carers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["carer"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = carers


class EnrolmentFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("All")), *EnrolmentState.choices])
    area = forms.CharField(label=_("Area code"), required=False, max_length=20)

"""The forms of the volunteers' pages: they shape the input; the services decide what is allowed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


def _offer(form: forms.Form, name: str, choices: Iterable[tuple[Any, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = list(choices)


class RegisterForm(forms.Form):
    person = forms.TypedChoiceField(label=_("Who volunteers"), coerce=int)
    service_types = forms.MultipleChoiceField(
        label=_("Services you offer"), widget=forms.CheckboxSelectMultiple, required=False
    )
    skills = forms.CharField(label=_("Skills"), max_length=200, required=False)
    availability = forms.CharField(label=_("When you are available"), max_length=200, required=False)
    consent = forms.BooleanField(
        label=_("I agree that the community keeps these details to arrange volunteer services and records."),
        required=False,
    )

    def __init__(self, *args: Any, people: Iterable[Any] = (), types: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer(self, "person", ((p.pk, p.name) for p in people))
        _offer(self, "service_types", ((t.code, t.name) for t in types))


class TaskForm(forms.Form):
    elder = forms.TypedChoiceField(label=_("For whom"), coerce=int)
    service_type = forms.ChoiceField(label=_("Service needed"))
    starts_at = forms.DateTimeField(
        label=_("When"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    duration_minutes = forms.IntegerField(label=_("Estimated duration (minutes)"), min_value=1, max_value=720)
    description = forms.CharField(
        label=_("What is needed (no names or addresses: volunteers read this before taking the task)"),
        max_length=300,
        required=False,
    )

    def __init__(self, *args: Any, elders: Iterable[Any] = (), types: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer(self, "elder", ((p.pk, p.name) for p in elders))
        _offer(self, "service_type", ((t.code, t.name) for t in types))


class HoursForm(forms.Form):
    hours = forms.DecimalField(label=_("Hours served"), min_value=0.5, max_value=12, decimal_places=1)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", _("Confirm")), ("refuse", _("Refuse"))])
    note = forms.CharField(label=_("Note (the reason, when refusing)"), max_length=300, required=False)


class RedeemForm(forms.Form):
    hours = forms.DecimalField(label=_("Hours"), min_value=0.5, decimal_places=1)
    beneficiary = forms.TypedChoiceField(label=_("For whom"), coerce=int)
    service_type = forms.ChoiceField(label=_("Service"), required=False)
    reason = forms.CharField(label=_("What the hours paid for"), max_length=200)

    def __init__(self, *args: Any, people: Iterable[Any] = (), types: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer(self, "beneficiary", ((p.pk, p.name) for p in people))
        _offer(self, "service_type", [("", "-"), *((t.code, t.name) for t in types)])


class ServiceTypeForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=50)
    ordering = forms.IntegerField(label=_("Order"), min_value=0, max_value=999, initial=50)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

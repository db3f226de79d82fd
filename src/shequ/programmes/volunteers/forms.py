"""The forms of the volunteers' pages: they shape the input; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


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

    def __init__(self, *args, people=(), types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [(p.pk, p.name) for p in people]
        self.fields["service_types"].choices = [(t.code, t.name) for t in types]


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

    def __init__(self, *args, elders=(), types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["elder"].choices = [(p.pk, p.name) for p in elders]
        self.fields["service_type"].choices = [(t.code, t.name) for t in types]


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

    def __init__(self, *args, people=(), types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["beneficiary"].choices = [(p.pk, p.name) for p in people]
        self.fields["service_type"].choices = [("", "-")] + [(t.code, t.name) for t in types]


class ServiceTypeForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=50)
    ordering = forms.IntegerField(label=_("Order"), min_value=0, max_value=999, initial=50)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

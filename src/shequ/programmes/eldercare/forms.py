"""Forms of the eldercare pages: recording a care visit from the phone, a family care bed and its visits,
a retrofit's stages and photos, the retrofit target."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.programmes.common.models import VisitOutcome

from .models import RetrofitStage

DATE = forms.DateInput(attrs={"type": "date"})


class VisitRecordForm(forms.Form):
    """The phone's form: the outcome, a note, and the position the browser gave (hidden, filled by
    geolocation when the worker allows it)."""

    outcome = forms.ChoiceField(label=_("Outcome"), choices=VisitOutcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)


def parse_plan(text: str) -> list[dict[str, str]]:
    """Care-plan lines "service|how often" (e.g. 助浴|每周1次) as the service's rows; a line without a bar
    is kept whole as the service, so the service's check names it."""
    rows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        item, _sep, frequency = line.partition("|")
        rows.append({"item": item.strip(), "frequency": frequency.strip()})
    return rows


def plan_text(plan: list[dict[str, str]]) -> str:
    return "\n".join(f"{row['item']}|{row['frequency']}" for row in plan)


class BedForm(forms.Form):
    person = forms.TypedChoiceField(label=_("Person"), coerce=int)
    provider = forms.TypedChoiceField(label=_("Provider"), coerce=int)
    set_up_on = forms.DateField(label=_("Set up on"), widget=DATE)
    care_plan = forms.CharField(
        label=_("Care plan (one service per line: service|how often)"),
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "助浴|每周1次\n健康监测|每日"}),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(
        self, *args: Any, people: list[tuple[int, str]], providers: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        person, provider = self.fields["person"], self.fields["provider"]
        assert isinstance(person, forms.TypedChoiceField) and isinstance(provider, forms.TypedChoiceField)
        person.choices, provider.choices = people, providers

    def clean_care_plan(self) -> list[dict[str, str]]:
        return parse_plan(self.cleaned_data["care_plan"])


class BedPlanForm(forms.Form):
    care_plan = forms.CharField(
        label=_("Care plan (one service per line: service|how often)"), widget=forms.Textarea(attrs={"rows": 5})
    )

    def clean_care_plan(self) -> list[dict[str, str]]:
        return parse_plan(self.cleaned_data["care_plan"])


class BedVisitForm(forms.Form):
    at = forms.DateTimeField(label=_("Visited at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    service = forms.CharField(label=_("Service given"), max_length=100)
    minutes = forms.IntegerField(label=_("Minutes"), required=False, min_value=1, max_value=1440)
    place = forms.CharField(label=_("Place"), required=False, max_length=200)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)


STAGES = [(s.value, s.label) for s in (RetrofitStage.ASSESSMENT, RetrofitStage.WORKS, RetrofitStage.ACCEPTANCE)]


class StageForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=STAGES, widget=forms.HiddenInput)
    done_on = forms.DateField(label=_("Done on"), widget=DATE)
    note = forms.CharField(label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    item_codes = forms.MultipleChoiceField(label=_("Items"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, items: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["item_codes"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = items


class PhotoForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=STAGES)
    photo = forms.FileField(label=_("Photo (JPEG or PNG)"))


class StartForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)


class TargetForm(forms.Form):
    area_code = forms.CharField(label=_("Area code"), max_length=20)
    households = forms.IntegerField(label=_("Households"), min_value=1)
    due_on = forms.DateField(label=_("By"), widget=DATE)
    source = forms.CharField(label=_("Source"), max_length=300)

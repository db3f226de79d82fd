"""The forms of the children's pages: they parse, the services check."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.programmes.common.models import VisitOutcome

from .models import CATEGORIES, Grade, Need, RiskLevel

CATEGORY_LABELS = {
    "left_behind_child": _("Left-behind children"),
    "child_in_difficulty": _("Children in difficulty"),
    "orphan": _("Scattered orphans"),
}


class CategoryForm(forms.Form):
    area = forms.CharField(required=False, max_length=20)
    category = forms.ChoiceField(
        label=_("Group"), required=False, choices=[(c, CATEGORY_LABELS[c]) for c in CATEGORIES]
    )


class AssessmentForm(forms.Form):
    risk_level = forms.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices)
    needs = forms.MultipleChoiceField(
        label=_("Needs"), choices=Need.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(label=_("Carer's notes"), required=False, max_length=2000, widget=forms.Textarea)


class VisitForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=VisitOutcome.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea)
    # Filled in by the phone's position when the carer allows it (no script: left empty).
    lon = forms.FloatField(label="", required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(label="", required=False, widget=forms.HiddenInput)


class TargetForm(forms.Form):
    value = forms.DecimalField(label=_("Target"), max_digits=8, decimal_places=2)
    year = forms.IntegerField(label=_("By year"))
    source = forms.CharField(label=_("Source"), max_length=300)
    grade = forms.ChoiceField(label=_("Source grade"), choices=Grade.choices)

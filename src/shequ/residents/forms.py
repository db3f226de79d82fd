from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.areas.models import Area
from shequ.privacy.forms import reason_categories
from shequ.reference.selectors import tag_types

from .models import ResidenceType
from .selectors import ComputedGroup


def tag_choices() -> list[tuple[str, str]]:
    """The recorded special-group tags in use."""
    return list(tag_types().values_list("code", "name"))


def group_choices() -> list[tuple[str, str]]:
    """The groups a filter offers: the computed ones, then the recorded tags."""
    return [(group.value, str(group.label)) for group in ComputedGroup] + tag_choices()


class ResidentFilterForm(forms.Form):
    q = forms.CharField(label=_("Name, identity number, phone or address"), required=False, max_length=60)
    tag = forms.MultipleChoiceField(
        label=_("Groups (all must hold)"), required=False, choices=group_choices, widget=forms.CheckboxSelectMultiple
    )
    area = forms.CharField(label=_("Area code"), required=False, max_length=20)


class ExportForm(forms.Form):
    """Masked unless a reason is given (its category and its text), as for revealing one value."""

    category = forms.ChoiceField(
        label=_("Reason category (for an unmasked export)"), required=False, choices=reason_categories
    )
    reason = forms.CharField(
        label=_("Reason for an unmasked export (leave empty for masked)"), required=False, max_length=200
    )


class LeaveForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    died = forms.BooleanField(label=_("Died (not moved out)"), required=False)


class TagForm(forms.Form):
    tag_code = forms.ChoiceField(label=_("Group"), choices=tag_choices)
    grade = forms.CharField(label=_("Grade (disability)"), max_length=20, required=False)
    source = forms.CharField(label=_("Source (issuing office or document)"), max_length=100)
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class PersonForm(forms.Form):
    """One resident, with the roster's fields and rules (the service checks them)."""

    community_code = forms.ChoiceField(label=_("Community"))
    name = forms.CharField(label=_("Full name"), max_length=50)
    id_number = forms.CharField(label=_("Identity number"), max_length=18)
    phone = forms.CharField(label=_("Mobile number"), max_length=20, required=False)
    residence_type = forms.ChoiceField(label=_("Residence type"), choices=ResidenceType.choices)
    street_address = forms.CharField(label=_("Street address or estate"), max_length=120)
    building = forms.CharField(label=_("Building"), max_length=20, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    room = forms.CharField(label=_("Room"), max_length=20, required=False)
    grid = forms.CharField(label=_("Grid"), max_length=50, required=False)
    household_number = forms.CharField(label=_("Household number"), max_length=40, required=False)
    relation = forms.CharField(label=_("Relation to the head"), max_length=10, required=False)
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=20, required=False)
    moved_in_on = forms.DateField(
        label=_("Moved in on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, communities: Iterable[Area] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["community_code"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(c.code, f"{c.name}（{c.code}）") for c in communities]


class MoveDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("confirm", _("Confirm the move")), ("refuse", _("Refuse")), ("withdraw", _("Withdraw the request"))],
    )
    note = forms.CharField(label=_("Note (required to refuse)"), max_length=200, required=False)

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shequ.areas.models import Area
from shequ.areas.widgets import AreaPickerField
from shequ.privacy.forms import reason_categories
from shequ.reference.selectors import tag_types

from .models import Person, PersonStatus, Relation, ResidenceType
from .selectors import ComputedGroup

ALL_STATUSES = "all"  # the status filter's value for everyone, whatever their status


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
    # Moved-out and deceased residents stay findable: the list shows those living here unless asked.
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[*PersonStatus.choices, (ALL_STATUSES, _("All"))],
    )

    def clean_area(self) -> str:
        code = str(self.cleaned_data.get("area") or "").strip()
        if code and not re.fullmatch(r"\d{2,20}", code):
            raise ValidationError(_("An area code is made of digits, e.g. 210102001001."), code="invalid")
        return code

    def clean_status(self) -> str:
        # Empty (an old link, the search box) is the default list: those living here.
        return str(self.cleaned_data.get("status") or PersonStatus.ACTIVE)


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
    relation = forms.CharField(label=_("Relation to the head"), max_length=20, required=False)
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=20, required=False)
    moved_in_on = forms.DateField(
        label=_("Moved in on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(
        self,
        *args: Any,
        communities: Iterable[Area] = (),
        grids: dict[str, int] | None = None,
        whole: bool = True,
        **kwargs: Any,
    ) -> None:
        """``grids``: the grids the actor may register into when it has one community (then offered as a
        choice, and the only one preselected); ``whole``: whether "no grid" (the community itself) may be
        chosen."""
        super().__init__(*args, **kwargs)
        field = self.fields["community_code"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(c.code, f"{c.name}（{c.code}）") for c in communities]
        if len(field.choices) == 1:
            self.initial.setdefault("community_code", field.choices[0][0])
        else:  # a role over many communities searches for one (the page lists none); the service checks it
            self.fields["community_code"] = AreaPickerField(label=_("Community"))
        if grids is not None:
            self.fields["grid"] = grid_field(grids, whole)
            if len(grids) == 1 and not whole:
                self.initial.setdefault("grid", next(iter(grids)))


def grid_field(grids: dict[str, int], whole: bool) -> forms.ChoiceField:
    """A choice of the grids offered (by name, as the roster names them), with "no grid" when allowed."""
    choices = [("", _("No grid (the community)"))] if whole else []
    return forms.ChoiceField(label=_("Grid"), required=not whole, choices=choices + [(n, n) for n in grids])


class PersonEditForm(forms.Form):
    """A correction of a resident: the roster's fields except the household (changed on its page). The
    identity number and the phone are never shown in the form: left empty, they stay."""

    name = forms.CharField(label=_("Full name"), max_length=50)
    id_number = forms.CharField(
        label=_("New identity number (empty: unchanged)"),
        max_length=18,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("New mobile number (empty: unchanged)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    residence_type = forms.ChoiceField(label=_("Residence type"), choices=ResidenceType.choices)
    street_address = forms.CharField(label=_("Street address or estate"), max_length=120)
    building = forms.CharField(label=_("Building"), max_length=20, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    room = forms.CharField(label=_("Room"), max_length=20, required=False)
    grid = forms.ChoiceField(label=_("Grid"), required=False)
    relation = forms.ChoiceField(
        label=_("Relation to the head"), choices=[("", "-"), *Relation.choices], required=False
    )
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=20, required=False)
    moved_in_on = forms.DateField(
        label=_("Moved in on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, grids: dict[str, int], whole: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grid"] = grid_field(grids, whole)

    def changes(self) -> dict[str, str]:
        """The cleaned values as the service takes them: text, the untouched identifiers left out."""
        data = dict(self.cleaned_data)
        for key in ("id_number", "phone"):
            if not data.get(key):
                data.pop(key, None)
        moved_in_on = data.pop("moved_in_on", None)
        data["moved_in_on"] = moved_in_on.isoformat() if moved_in_on else ""
        return {key: str(value or "") for key, value in data.items()}


def member_choices(members: Iterable[Person]) -> list[tuple[int, str]]:
    return [(p.pk, f"{p.name}（{p.get_relation_display() or '-'}）") for p in members]


OTHER_RELATIONS = [(value, label) for value, label in Relation.choices if value != Relation.HEAD]


class MembersForm(forms.Form):
    """A household page's form, made with the household's living members (to choose from, or not)."""

    def __init__(self, *args: Any, members: Iterable[Person] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("person_id", "person_ids", "head_id"):
            if name in self.fields:
                self.fields[name].choices = member_choices(members)  # type: ignore[attr-defined]


class HeadForm(MembersForm):
    person_id = forms.TypedChoiceField(label=_("New head"), coerce=int)
    former_relation = forms.ChoiceField(label=_("The former head's relation to the new head"), choices=OTHER_RELATIONS)


class MoveMemberForm(MembersForm):
    person_id = forms.TypedChoiceField(label=_("Member"), coerce=int)
    household = forms.CharField(label=_("Into the household (its number)"), max_length=40)
    relation = forms.ChoiceField(label=_("Relation to its head"), choices=Relation.choices)


class SplitForm(MembersForm):
    person_ids = forms.TypedMultipleChoiceField(
        label=_("Members forming the new household"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    head_id = forms.TypedChoiceField(label=_("Head of the new household"), coerce=int)
    number = forms.CharField(label=_("Household number"), max_length=40, required=False)
    street_address = forms.CharField(label=_("Street address or estate"), max_length=120)
    building = forms.CharField(label=_("Building"), max_length=20, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    room = forms.CharField(label=_("Room"), max_length=20, required=False)


class MergeForm(MembersForm):
    household = forms.CharField(label=_("Household to merge into this one (its number)"), max_length=40)
    other_head_relation = forms.ChoiceField(
        label=_("Its head's relation to this household's head"), choices=OTHER_RELATIONS
    )


class MoveDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("confirm", _("Confirm the move")), ("refuse", _("Refuse")), ("withdraw", _("Withdraw the request"))],
    )
    note = forms.CharField(label=_("Note (required to refuse)"), max_length=200, required=False)

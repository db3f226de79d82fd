from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.areas.models import Level
from shequ.areas.widgets import AreaPickerField
from shequ.entities.services import EDIT_LEVELS
from shequ.reference.models import FacilityType

from .models import CoordinateSystem


def _type_choices(types: Iterable[FacilityType], empty: str) -> list[tuple[str, str]]:
    return [("", empty), *((t.code, t.name) for t in types)]


class FacilityFilterForm(forms.Form):
    """The list's filters (from the query string): a wrong value is an error on its field, never a 404."""

    type = forms.ChoiceField(label=_("Facility type"), required=False)
    area = AreaPickerField(label=_("Area"), required=False, levels=(Level.DISTRICT, *EDIT_LEVELS))

    def __init__(self, *args: Any, types: Iterable[FacilityType] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["type"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _type_choices(types, str(_("All types")))


class FacilityForm(forms.Form):
    area_code = AreaPickerField(label=_("Street, community or grid"), levels=EDIT_LEVELS)
    # No type is chosen for the user: the first empty choice makes them pick one.
    type_code = forms.ChoiceField(label=_("Facility type"))
    name = forms.CharField(label=_("Name"), max_length=150)
    lon = forms.FloatField(
        label=_("Longitude"), min_value=-180, max_value=180, help_text=_("Click the map to fill in the point.")
    )
    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90)
    coordinates = forms.ChoiceField(label=_("Coordinates from"), choices=CoordinateSystem.choices)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    floor_area_m2 = forms.FloatField(label=_("Floor area (m²)"), required=False, min_value=0.1)
    capacity = forms.IntegerField(label=_("Capacity"), required=False, min_value=0)
    opening_hours = forms.CharField(label=_("Opening hours"), max_length=100, required=False)
    operator_uscc = forms.CharField(label=_("Operator's credit code"), max_length=30, required=False)

    def __init__(self, *args: Any, types: Iterable[FacilityType] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["type_code"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _type_choices(types, str(_("Choose a type")))


class FacilityEditForm(FacilityForm):
    reason = forms.CharField(label=_("Reason for the change"), max_length=200)


class FacilityStateForm(forms.Form):
    """Close or reopen, with a reason."""

    reason = forms.CharField(label=_("Reason"), max_length=200)

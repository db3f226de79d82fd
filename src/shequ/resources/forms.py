from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.reference.models import FacilityType

from .models import CoordinateSystem


class FacilityForm(forms.Form):
    area_code = forms.CharField(label=_("Area code (street, community or grid)"), max_length=20)
    type_code = forms.ChoiceField(label=_("Facility type"))
    name = forms.CharField(label=_("Name"), max_length=150)
    lon = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180)
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
        field.choices = [(t.code, t.name) for t in types]

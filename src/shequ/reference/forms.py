from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CircleLevel


class FacilityTypeForm(forms.Form):
    code = forms.SlugField(widget=forms.HiddenInput, max_length=60)
    name = forms.CharField(label=_("Name"), max_length=100)
    circle_level = forms.ChoiceField(
        label=_("Living-circle level"), required=False, choices=[("", "-"), *CircleLevel.choices]
    )
    required = forms.BooleanField(label=_("Required"), required=False)
    service_radius_m = forms.IntegerField(label=_("Service radius (m)"), required=False, min_value=1, max_value=5000)
    is_active = forms.BooleanField(label=_("Active"), required=False)

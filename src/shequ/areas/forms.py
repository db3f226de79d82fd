from django import forms
from django.utils.translation import gettext_lazy as _


class GridForm(forms.Form):
    name = forms.CharField(label=_("Grid name"), max_length=200)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

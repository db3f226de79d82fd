from django import forms
from django.utils.translation import gettext_lazy as _

from .fields import PersonalField


class RevealForm(forms.Form):
    field = forms.ChoiceField(label=_("Field"), choices=PersonalField.choices)
    reason = forms.CharField(label=_("Reason for viewing"), max_length=200)

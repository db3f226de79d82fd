from django import forms
from django.utils.translation import gettext_lazy as _


class RevealForm(forms.Form):
    field = forms.ChoiceField(
        label=_("Field"), choices=[("id_number", _("identity number")), ("phone", _("mobile number"))]
    )
    reason = forms.CharField(label=_("Reason for viewing"), max_length=200)

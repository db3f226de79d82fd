from django import forms
from django.utils.translation import gettext_lazy as _

from .fields import PersonalField
from .selectors import reveal_reasons
from .services import REASON_MAX


def reason_categories() -> list[tuple[str, str]]:
    # Read when each form is made: the list is edited while the site runs.
    return [("", "---------"), *reveal_reasons().values_list("code", "name")]


class RevealForm(forms.Form):
    field = forms.ChoiceField(label=_("Field"), choices=PersonalField.choices)
    category = forms.ChoiceField(label=_("Reason category"), choices=reason_categories)
    reason = forms.CharField(label=_("Reason for viewing"), max_length=REASON_MAX)


class RevealReasonForm(forms.Form):
    """Adds a category (a new code) or edits one (its code, hidden)."""

    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=50)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=100)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

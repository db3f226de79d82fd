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


class CalendarDayForm(forms.Form):
    """Make a day a day off or a make-up workday, or an ordinary day again."""

    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(
        label=_("The day is"),
        required=False,
        choices=[
            ("day_off", _("Day off")),
            ("workday", _("Make-up workday")),
            ("", _("Ordinary day (as the week says)")),
        ],
    )
    name = forms.CharField(label=_("Name (e.g. 国庆节, 调休上班)"), max_length=80, required=False)
    source = forms.CharField(label=_("Source"), max_length=200, required=False)


class CalendarYearForm(forms.Form):
    """Mark a year's arrangement official, naming the notice it was entered from."""

    official = forms.BooleanField(label=_("The year's arrangement is official and entered"), required=False)
    source = forms.CharField(
        label=_("Source (e.g. 国务院办公厅关于2027年部分节假日安排的通知)"), max_length=200, required=False
    )

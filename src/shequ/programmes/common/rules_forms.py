"""Forms of the administrator's rule pages: a programme's settings, a benefit, a dated rule (the
criteria of every kind, plus the interval of a visit rule or what a benefit's group gets), ending a
rule."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.reference.models import TagType

from .models import Programme
from .rules_services import DISABILITY_GRADES

DATE = forms.DateInput(attrs={"type": "date"})


class ProgrammeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    review_months = forms.IntegerField(label=_("Review every (months, 0: never)"), min_value=0, max_value=120)
    visit_grace_days = forms.IntegerField(label=_("Escalate a visit after (days overdue)"), min_value=0, max_value=365)
    is_active = forms.BooleanField(label=_("Active"), required=False)

    @staticmethod
    def initial_of(programme: Programme) -> dict[str, Any]:
        return {
            "name": programme.name,
            "description": programme.description,
            "review_months": programme.review_months,
            "visit_grace_days": programme.visit_grace_days,
            "is_active": programme.is_active,
        }


class BenefitForm(forms.Form):
    benefit_code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=100)
    category = forms.CharField(label=_("Category"), max_length=50, required=False)
    unit = forms.CharField(label=_("Unit (e.g. 元/月, 小时/月; empty for a service)"), max_length=20, required=False)
    ordering = forms.IntegerField(label=_("Order"), min_value=0, max_value=999, initial=0)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["benefit_code"].disabled = True


LIVING_ALONE = [("", _("No condition")), ("yes", _("Lives alone")), ("no", _("Does not live alone"))]


class RuleForm(forms.Form):
    """One dated rule: who it is about (age, special groups, disability grades, living alone, where) from
    a day, and for a visit rule its interval, for a benefit's group what it gets."""

    name = forms.CharField(label=_("Group"), max_length=100)
    min_age = forms.IntegerField(label=_("Aged at least"), required=False, min_value=0, max_value=150)
    below_age = forms.IntegerField(label=_("Younger than"), required=False, min_value=1, max_value=151)
    tags = forms.MultipleChoiceField(
        label=_("Holds one of the special groups"), required=False, widget=forms.CheckboxSelectMultiple
    )
    disability_grades = forms.MultipleChoiceField(
        label=_("Disability grades (with the disability group)"),
        required=False,
        choices=[(g, g) for g in DISABILITY_GRADES],
        widget=forms.CheckboxSelectMultiple,
    )
    living_alone = forms.TypedChoiceField(
        label=_("Living alone"),
        required=False,
        choices=LIVING_ALONE,
        coerce=lambda v: {"yes": True, "no": False}.get(v),
        empty_value=None,
    )
    area_code = forms.CharField(label=_("Applies in (area code; empty: everywhere)"), required=False, max_length=20)
    valid_from = forms.DateField(label=_("Applies from"), widget=DATE)
    source = forms.CharField(label=_("Source (document, or “local configuration to be confirmed”)"), max_length=200)
    interval_days = forms.IntegerField(label=_("Visit every (days)"), min_value=1, max_value=3650)
    amount = forms.DecimalField(label=_("Amount"), required=False, max_digits=10, decimal_places=2, min_value=0)
    provides = forms.CharField(label=_("What the group gets"), required=False, max_length=200)

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["tags"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = list(TagType.objects.order_by("code").values_list("code", "name"))
        if kind != "visit":
            del self.fields["interval_days"]
        if kind != "benefit":
            del self.fields["amount"]
            del self.fields["provides"]

    @staticmethod
    def initial_of(rule: Any) -> dict[str, Any]:
        values = {
            "name": rule.name,
            "min_age": rule.min_age,
            "below_age": rule.below_age,
            "tags": rule.tags,
            "disability_grades": rule.disability_grades,
            "living_alone": {True: "yes", False: "no"}.get(rule.living_alone, ""),
            "area_code": rule.area.code if rule.area_id else "",
            "source": rule.source,
        }
        for extra in ("interval_days", "amount", "provides"):
            if hasattr(rule, extra):
                values[extra] = getattr(rule, extra)
        return values


class EndForm(forms.Form):
    on = forms.DateField(label=_("Last day it applies"), widget=DATE)

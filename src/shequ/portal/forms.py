from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.casework.models import RatingLevel


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel", "placeholder": "139 1234 5678"}
        ),
    )


class CodeForm(forms.Form):
    phone = forms.CharField(max_length=20, widget=forms.HiddenInput)
    code = forms.CharField(
        label=_("Verification code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9０-９ ]*"}
        ),
    )


# ---- applying online ---------------------------------------------------------------------------------
# The fields are built from the item's form as filed now (its current version). They only carry what is
# typed: the values are checked by the case's service (``catalogue.form_validate``), whose messages name
# the field's label. A required field is marked for the browser too (the ``required`` attribute).

TEXT_MAX = 500


class ApplyForm(forms.Form):
    """An item's typed form, one file input per material, and (for a resident with several people on
    their phone) whom the application is for."""

    def __init__(
        self,
        *args: Any,
        spec: list[dict[str, Any]],
        materials: list[dict[str, Any]],
        members: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.value_names: list[str] = []
        self.file_names: list[str] = []
        for entry in spec:
            name, label, kind = entry["name"], entry["label"], entry["type"]
            required = bool(entry.get("required"))
            attrs: dict[str, str] = {"required": "required"} if required else {}
            field: forms.Field
            if kind == "file":
                field = forms.FileField(label=label, required=False, widget=_file_input(attrs))
                self.file_names.append(name)
            elif kind == "choice":
                choices = [("", _("Choose…"))] + [(c, c) for c in entry.get("choices", [])]
                field = forms.ChoiceField(label=label, required=False, choices=choices)
                field.widget.attrs.update(attrs)
                self.value_names.append(name)
            elif kind == "household_member":
                choices = [("", _("Choose…"))] + [(str(pk), person) for pk, person in members]
                field = forms.ChoiceField(label=label, required=False, choices=choices)
                field.widget.attrs.update(attrs)
                self.value_names.append(name)
            else:
                widget: forms.Widget
                if kind == "date":
                    widget = forms.DateInput(attrs={**attrs, "type": "date"})
                elif kind == "number":
                    widget = forms.TextInput(attrs={**attrs, "inputmode": "decimal"})
                else:
                    widget = forms.TextInput(attrs={**attrs, "maxlength": str(TEXT_MAX)})
                field = forms.CharField(label=label, required=False, widget=widget)
                self.value_names.append(name)
            self.fields[name] = field
        for material in materials:
            code = material["code"]
            if code in self.fields:
                continue
            label = material["name"]
            self.fields[code] = forms.FileField(label=label, required=False, widget=_file_input({}))
            self.file_names.append(code)

    def values(self) -> dict[str, Any]:
        """The typed values, as submitted (the service checks them)."""
        return {name: self.data.get(name, "") for name in self.value_names}


def _file_input(attrs: dict[str, str]) -> forms.ClearableFileInput:
    # The browser's picker offers what is accepted; the server checks the content, not the name.
    return forms.ClearableFileInput(attrs={**attrs, "accept": "application/pdf,image/jpeg,image/png"})


class UploadForm(forms.Form):
    material = forms.CharField(max_length=40)
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )


class RateForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("Your rating"), coerce=int, choices=RatingLevel.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

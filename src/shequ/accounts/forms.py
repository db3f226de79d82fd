from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .roles import Programme, Role


class SignInForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    password = forms.CharField(label=_("Password"), max_length=128, widget=forms.PasswordInput)


class AccountForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    password = forms.CharField(label=_("Initial password"), max_length=128, widget=forms.PasswordInput)
    display_name = forms.CharField(label=_("Display name"), max_length=50, required=False)
    id_number = forms.CharField(label=_("Identity number"), max_length=30, required=False)
    phone = forms.CharField(label=_("Mobile number"), max_length=30, required=False)
    home_area_code = forms.CharField(label=_("Home area code (residents)"), max_length=20, required=False)


class GrantForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    area_code = forms.CharField(label=_("Area code"), max_length=20)
    programme = forms.ChoiceField(label=_("Programme"), choices=[("", "-"), *Programme.choices], required=False)


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("Current password"), max_length=128, widget=forms.PasswordInput)
    new_password = forms.CharField(label=_("New password"), max_length=128, widget=forms.PasswordInput)
    new_password_again = forms.CharField(label=_("New password again"), max_length=128, widget=forms.PasswordInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password_again") not in (None, data["new_password"]):
            self.add_error("new_password_again", _("The two new passwords differ."))
        return data


class PasswordResetForm(forms.Form):
    password = forms.CharField(label=_("Temporary password"), max_length=128, widget=forms.PasswordInput)

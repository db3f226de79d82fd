"""Password rules said in the interface's language.

Django 5.2's minimum-length message (``%d``) no longer matches the msgid its Chinese catalogue translates
(``%(min_length)d``), so it showed in English on a Chinese page. This validator says it with our own
catalogue; the other stock validators are translated by Django."""

from __future__ import annotations

from django.contrib.auth.password_validation import MinimumLengthValidator as DjangoMinimumLengthValidator
from django.contrib.auth.password_validation import password_validators_help_texts
from django.utils.translation import gettext as _


class MinimumLengthValidator(DjangoMinimumLengthValidator):
    def get_error_message(self) -> str:
        return _("The password is too short: it needs at least %(min_length)d characters.") % {
            "min_length": self.min_length
        }

    def get_help_text(self) -> str:
        return _("At least %(min_length)d characters.") % {"min_length": self.min_length}


def password_rules() -> list[str]:
    """The rules a new password must meet, for the forms that set one."""
    return [str(text) for text in password_validators_help_texts()]

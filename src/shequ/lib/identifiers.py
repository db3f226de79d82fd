"""Validation of Chinese identifiers, with messages in the user's language.

python-stdnum does the arithmetic (checksums, dates, the region table); the rules that decide
what a real person may hold live here, because one stdnum rule rejects real people (see
``validate_id_number``).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum import numdb
from stdnum.cn import ric, uscc

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The oldest plausible birth year of a living card holder; cards were first issued in 1984.
EARLIEST_BIRTH_YEAR = 1880

# GB 32100-2015 §4: digits and capitals without I, O, S, V, Z.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

_MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")


@dataclass(frozen=True)
class IdNumberFacts:
    """What an identity number itself says about its holder."""

    number: str
    region_code: str
    birth_date: datetime.date
    sex: str  # "M" or "F": GB 11643-1999 §5.4, odd order code = male

    @property
    def region_names(self) -> tuple[str, ...]:
        return region_names(self.region_code)


# Spaces and the dashes people type between groups of digits (ASCII, en and em dash, after NFKC).
_SEPARATORS_RE = re.compile(r"[\s\-\u2010-\u2015()]")


def halfwidth(value: str) -> str:
    """Full-width digits, letters and signs (a Chinese input method's ２１０１, Ｘ, ＋, －) as ASCII
    (NFKC), so that a number typed full-width is checked as the number it is. Plain ASCII, the usual
    case, is returned as is: an import checks a million of these."""
    value = str(value or "")
    return value if value.isascii() else unicodedata.normalize("NFKC", value)


def _compact(value: str) -> str:
    return _SEPARATORS_RE.sub("", halfwidth(value)).upper()


# Messages of the length check, translated only when a value fails it (an import checks a million rows).
ID_MISSING = gettext_lazy("Enter the identity number.")
ID_LENGTH = gettext_lazy("An identity number has 18 characters; this one has %(count)d.")
USCC_MISSING = gettext_lazy("Enter the unified social credit code.")
USCC_LENGTH = gettext_lazy("A unified social credit code has 18 characters; this one has %(count)d.")


def _require_length(value: str, length: int, missing: StrOrPromise, wrong_length: StrOrPromise) -> None:
    """Refuse an empty value, then one of another length (``wrong_length`` says the count it has)."""
    if not value:
        raise ValidationError(missing, code="required")
    if len(value) != length:
        raise ValidationError(wrong_length % {"count": len(value)}, code="length")


@lru_cache(maxsize=8192)  # ~3,500 region codes exist; a roster repeats a handful
def region_names(region_code: str) -> tuple[str, ...]:
    """Every name the six-digit region code has carried, newest last (empty when it never existed)."""
    names: list[str] = []
    for _part, props in numdb.get("cn/loc").info(region_code):
        for entry in props.get("county", "").split(","):
            if entry:
                names.append(entry.split("]", 1)[-1])  # drop the "[1983-]" validity prefix
    return tuple(names)


def validate_id_number(value: str, *, today: datetime.date | None = None) -> IdNumberFacts:
    """Validate a resident identity number (GB 11643-1999) and return what it encodes.

    A region code is accepted when it has *ever* existed. stdnum also requires that the code
    existed in the birth year, but a card carries the code in force where and when it was issued:
    someone born in 1950 in Heping district legitimately holds 210102 although the code dates from
    1983, and codes of abolished counties (210122 辽中县) stay on valid cards. So we use stdnum's
    checksum and region table, not its ``get_birth_place`` rule. The birth date is read here: stdnum's
    parser cleans the number again, which is most of the cost when an import checks a million rows.
    """
    number = _compact(value)
    _require_length(number, 18, ID_MISSING, ID_LENGTH)
    # isascii: str.isdigit() also takes other scripts' digits, which NFKC leaves as they are.
    if not number.isascii() or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(_("An identity number is 17 digits followed by a digit or X."), code="format")
    if number[17] != ric.calc_check_digit(number):  # GB 11643-1999 §7, ISO 7064 MOD 11-2
        raise ValidationError(
            _("The check digit (the last character) is wrong; please check the number."), code="checksum"
        )
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))  # GB 11643-1999 §5.3
    except ValueError:
        raise ValidationError(_("Characters 7 to 14 are not a real date of birth."), code="birth_date") from None
    today = today or datetime.date.today()
    if birth > today or birth.year < EARLIEST_BIRTH_YEAR:
        raise ValidationError(_("The date of birth in the number is impossible."), code="birth_date")
    if not region_names(number[:6]):
        raise ValidationError(_("The first six digits are not a region code that has ever existed."), code="region")
    return IdNumberFacts(
        number=number,
        region_code=number[:6],
        birth_date=birth,
        sex="M" if int(number[16]) % 2 else "F",
    )


def normalize_mobile(value: str) -> str:
    """Validate a mainland China mobile number and return its 11 digits.

    Accepts spaces, dashes, brackets, full-width digits and the +86 / 0086 prefix that people type.
    """
    number = _compact(value)
    for prefix in ("+86", "0086"):
        if number.startswith(prefix):
            number = number[len(prefix) :]
    if len(number) == 13 and number.startswith("86"):  # the country code without its plus
        number = number[2:]
    if not number:
        raise ValidationError(_("Enter the mobile number."), code="required")
    if not (number.isascii() and number.isdigit()):
        raise ValidationError(_("A mobile number has digits only."), code="format")
    if len(number) != 11:
        raise ValidationError(
            _("A mobile number has 11 digits; this one has %(count)d.") % {"count": len(number)},
            code="length",
        )
    if not _MOBILE_RE.match(number):
        raise ValidationError(_("A mainland mobile number starts with 13 to 19."), code="prefix")
    return number


def normalize_uscc(value: str) -> str:
    """Validate a unified social credit code (GB 32100-2015) and return it compacted."""
    code = _compact(value)
    _require_length(code, 18, USCC_MISSING, USCC_LENGTH)
    if not code[2:8].isdigit():
        raise ValidationError(_("Characters 3 to 8 of the code must be the region digits."), code="format")
    if any(ch not in USCC_ALPHABET for ch in code):
        raise ValidationError(
            _("The code contains a character that GB 32100 does not use (I, O, S, V, Z)."), code="format"
        )
    if code[-1] != uscc.calc_check_digit(code[:-1]):  # GB 32100-2015 §5, MOD 31
        raise ValidationError(
            _("The check character (the last character) is wrong; please check the code."), code="checksum"
        )
    return code

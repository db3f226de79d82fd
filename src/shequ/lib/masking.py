"""Masks for personal data shown by default (ENGINEERING.md, "Personal data")."""

from __future__ import annotations

import datetime


def mask_middle(value: str, *, keep_start: int, keep_end: int, fill: str = "*") -> str:
    """Keep the first and last characters of ``value`` and replace the rest with ``fill``.

    Short values are masked completely rather than partly revealed.
    """
    value = value or ""
    if len(value) <= keep_start + keep_end:
        return fill * len(value)
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + fill * hidden + (value[-keep_end:] if keep_end else "")


def mask_id_number(value: str) -> str:
    """``210102199001011234`` -> ``**************1234``: the last four only.

    Shown beside the age and the sex, the last four leave about 3,000 region codes times 365 birth dates
    over 11 check digits, some 100,000 numbers. Any more (the region's first four beside a birth date, as
    before) leaves a handful: the check digit and the list of real region codes do the rest.
    """
    return mask_middle(value, keep_start=0, keep_end=4)


def mask_phone(value: str) -> str:
    """``13812345678`` -> ``138****5678``."""
    return mask_middle(value, keep_start=3, keep_end=4)


def age_in_years(birth: datetime.date, on: datetime.date) -> int:
    """Whole years on ``on``, shown instead of the birth date (which would narrow an identity number to a
    handful). Someone born on 29 February turns a year older on 1 March in common years."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


# Characters that make a spreadsheet treat a cell as a formula (CSV/formula injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_spreadsheet_cell(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value

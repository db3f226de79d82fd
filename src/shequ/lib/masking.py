"""Masks for personal data shown by default (ENGINEERING.md, "Personal data")."""

from __future__ import annotations


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
    """``210102199001011234`` -> ``2101**********1234``: city and the last four."""
    return mask_middle(value, keep_start=4, keep_end=4)


def mask_phone(value: str) -> str:
    """``13812345678`` -> ``138****5678``."""
    return mask_middle(value, keep_start=3, keep_end=4)


# Characters that make a spreadsheet treat a cell as a formula (CSV/formula injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_spreadsheet_cell(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value

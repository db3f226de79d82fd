"""Names people type for things others read (grids, facilities, account display names): letters of any
script, digits, spaces and the punctuation names use. Markup characters (``<script>``), quotes and
control characters are refused with a message naming the field, not silently stored and escaped later."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Punctuation seen in Chinese and English names of places, grids and organisations.
_ALLOWED_PUNCTUATION = set("·・-—_()（）.。,，、/#＃&＆+:：")
_SPACE = re.compile(r"\s+")


def plausible_name(value: str, *, field: str, max_length: int) -> str:
    """``value`` stripped, with runs of spaces made one; a ValidationError on ``field`` when it is empty,
    too long or holds a character no name has."""
    name = _SPACE.sub(" ", (value or "").strip())
    if not name:
        raise ValidationError({field: _("Enter a name.")})
    if len(name) > max_length:
        raise ValidationError({field: _("A name has at most %(n)d characters.") % {"n": max_length}})
    for char in name:
        category = unicodedata.category(char)
        if category[0] in "LN" or char == " " or char in _ALLOWED_PUNCTUATION:
            continue
        raise ValidationError(
            {
                field: _(
                    "A name holds letters, digits, spaces and the punctuation of names (·-_()、/#), not “%(char)s”."
                )
                % {"char": char if char.isprintable() else "?"}
            }
        )
    return name

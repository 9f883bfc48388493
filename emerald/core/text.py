"""Text folding for search: the same key for O’Reily, O'Reily, OReily and o reily."""

from __future__ import annotations

import re
import unicodedata

# Apostrophes and quote-like marks that people type, paste or get from other systems.
_APOSTROPHES = "'’‘`´ʼʹ′"
_DROP = str.maketrans("", "", _APOSTROPHES)
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def fold(value: str) -> str:
    """Lower-case, strip accents and apostrophes, turn other punctuation into single spaces."""
    if not value:
        return ""
    value = unicodedata.normalize("NFKD", value)
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    value = value.casefold().translate(_DROP)
    value = value.replace("ß", "ss").replace("ø", "o").replace("æ", "ae").replace("ł", "l")
    return _NON_ALNUM.sub(" ", value).strip()


def compact(value: str) -> str:
    """``fold`` without spaces, so "O Reily" and "OReily" meet."""
    return fold(value).replace(" ", "")

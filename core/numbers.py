"""Numbers read from client input: ASCII digits only.

Python reads digits of every script: ``int("٣")`` and ``int("３")`` are 3, ``Decimal`` does the
same and also accepts ``"1_000"``, and ``"²".isdigit()`` is true although ``int("²")`` fails. The
portal accepts 0-9 only (fullwidth digits included in the refusal), so that a number means the
same to every part of the system and nothing further down meets a digit it cannot read.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

_INTEGER = re.compile(r"[+-]?[0-9]+")
# An exponent of at most four digits: Decimal itself fails on exponents past its limits.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?")
# Longer text is refused before it is converted (int() of 4,300 digits and more raises anyway).
MAX_LENGTH = 100


def ascii_int(value: Any) -> int:
    """An int from an int (not a bool) or from text of ASCII digits with an optional sign and
    surrounding spaces; ValueError for anything else."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        if len(text) <= MAX_LENGTH and _INTEGER.fullmatch(text):
            return int(text)
    raise ValueError(f"not an integer: {value!r}")


def ascii_decimal(value: Any) -> Decimal:
    """A finite Decimal from an int or a float (not a bool) or from text in ASCII decimal or
    exponent notation; ValueError for anything else (infinities and NaN included)."""
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    text = repr(value) if isinstance(value, float) else value  # "inf" and "nan" do not match
    if isinstance(text, str):
        text = text.strip()
        if len(text) <= MAX_LENGTH and _DECIMAL.fullmatch(text):
            return Decimal(text)
    raise ValueError(f"not a number: {value!r}")

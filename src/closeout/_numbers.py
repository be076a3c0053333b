"""The one policy for non-finite numbers in evidence (SPEC §15).

JSON has no NaN or infinities. Every record, in every kind, writes them as the strings
``"NaN"``, ``"Infinity"`` and ``"-Infinity"`` (the spellings JavaScript's ``Number()`` and
Python's ``float()`` both read). Readers also accept what v0.1 wrote before this policy:
``"nan"``, ``"inf"``, ``"-inf"`` (Python's ``str(float)``) and the capitalised variants.
"""

from __future__ import annotations

import math
from typing import Any

NAN, POS_INF, NEG_INF = "NaN", "Infinity", "-Infinity"

# Every spelling a record may hold for a non-finite number, old and new.
_DECODE = {
    NAN: math.nan,
    POS_INF: math.inf,
    NEG_INF: -math.inf,
    "nan": math.nan,
    "inf": math.inf,
    "-inf": -math.inf,
    "+inf": math.inf,
    "Inf": math.inf,
    "-Inf": -math.inf,
    "+Infinity": math.inf,
}


def encode_float(value: float) -> float | str:
    """``value`` itself when finite, else its policy string."""
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return NAN
    return POS_INF if value > 0 else NEG_INF


def encode_nonfinite(value: Any) -> Any:
    """A copy of a JSON-like value with every non-finite float replaced by its policy string.

    Mapping keys become strings (as JSON requires); tuples become lists.
    """
    if isinstance(value, float):
        return encode_float(value)
    if isinstance(value, dict):
        return {str(key): encode_nonfinite(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [encode_nonfinite(inner) for inner in value]
    return value


def decode_number(value: Any) -> float | None:
    """A number from a record: a finite number, a policy string (old or new), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return _DECODE.get(value)
    return None


def is_nonfinite_marker(value: Any) -> bool:
    """The value is one of the strings a record uses for a non-finite number."""
    return isinstance(value, str) and value in _DECODE

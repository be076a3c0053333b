"""Cell values of generated columns, without pandas: shared by the model, lint and the run.

A column's cells are held in one *canonical* Python form per dtype before pandas sees them:

========  ===========================================  ==============================
dtype     canonical cell                               null
========  ===========================================  ==============================
float     ``float`` (``inf``/``-inf`` allowed)          ``nan``
int       ``int`` within int64                         ``None``
str       ``str``                                      ``None``
bool      ``bool``                                     ``None``
category  the value as written (str, int, ...)         ``None``
datetime  ``int`` nanoseconds since the epoch (UTC)    ``None``
========  ===========================================  ==============================

Counterexamples are written back in the same shape (``encode``), so a counterexample pastes
straight into ``edge_cases``. NaN and the infinities are the evidence policy's strings
(``closeout._numbers``: ``"NaN"``, ``"Infinity"``, ``"-Infinity"``) and a missing timestamp is
``"NaT"``. Reading is lenient: any case, and the ``"inf"``/``"-inf"`` that counterexamples
held before that policy, so old evidence still pastes back.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from closeout._time import parse_aware
from closeout.models import suggest

NAT = "NaT"
# Compared lower-cased: covers the policy's strings and every spelling written before it.
_FLOAT_MARKERS = {
    "nan": math.nan,
    "inf": math.inf,
    "+inf": math.inf,
    "infinity": math.inf,
    "+infinity": math.inf,
    "-inf": -math.inf,
    "-infinity": -math.inf,
}
INT64_RANGE = (-(2**63), 2**63 - 1)
# pandas' datetime64[ns] range, in epoch seconds (1677-09-21 .. 2262-04-11).
DATETIME_RANGE = (-9_223_372_036.0, 9_223_372_036.0)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def bound_value(dtype: str, raw: object) -> float | str:
    """A ``min``/``max`` as a number (datetime: epoch seconds), or a message saying why not."""
    if dtype == "datetime":
        if not isinstance(raw, str):
            return f"expected a timestamp like 2025-01-01T00:00:00Z, got {raw!r}"
        try:
            seconds = parse_aware(raw).timestamp()
        except ValueError as exc:
            return str(exc)
        low, high = DATETIME_RANGE
        if not low <= seconds <= high:
            return f"{raw} is outside the range pandas can hold (1677-09-22 .. 2262-04-11)"
        return seconds
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return f"expected a number, got {raw!r}"
    if not math.isfinite(raw):
        return f"a bound must be finite, got {raw!r}"
    if dtype == "int":
        if raw != int(raw):
            return f"an int column needs whole-number bounds, got {raw!r}"
        if not INT64_RANGE[0] <= raw <= INT64_RANGE[1]:
            return f"{raw!r} does not fit in int64"
    return float(raw)


def coerce(dtype: str, value: Any) -> Any:
    """The canonical cell for ``value`` in a ``dtype`` column; ValueError when it cannot be."""
    if value is None:
        return math.nan if dtype == "float" else None
    return _COERCE[dtype](value)


def _float(value: Any) -> float:
    if isinstance(value, str) and value.strip().lower() in _FLOAT_MARKERS:
        return _FLOAT_MARKERS[value.strip().lower()]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(
            f"{value!r} is not a number (NaN, Infinity and -Infinity are written as strings)"
        )
    return float(value)


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{value!r} is not a whole number")
    if isinstance(value, float) and (not math.isfinite(value) or value != int(value)):
        raise ValueError(f"{value!r} is not a whole number")
    number = int(value)
    if not INT64_RANGE[0] <= number <= INT64_RANGE[1]:
        raise ValueError(f"{value!r} does not fit in int64")
    return number


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not text; quote it")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{value!r} is not true or false")
    return value


def _category(value: Any) -> Any:
    if not isinstance(value, str | int | float | bool):
        raise ValueError(f"{value!r} is not a category value")
    return value


def _datetime(value: Any) -> int | None:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"timestamp {value.isoformat()} has no offset: add Z or +02:00")
        moment = value
    elif isinstance(value, str):
        if value.strip() == NAT:
            return None
        moment = parse_aware(value)
    else:
        raise ValueError(f"{value!r} is not a timestamp like 2025-01-01T00:00:00Z")
    seconds = moment.timestamp()
    if not DATETIME_RANGE[0] <= seconds <= DATETIME_RANGE[1]:
        raise ValueError(f"{value} is outside the range pandas can hold")
    return (moment - _EPOCH) // timedelta(microseconds=1) * 1000


_COERCE = {
    "float": _float,
    "int": _int,
    "str": _str,
    "bool": _bool,
    "category": _category,
    "datetime": _datetime,
}


def iso_ns(nanoseconds: int) -> str:
    """ISO 8601 in UTC for epoch nanoseconds, as short as the value allows."""
    moment = _EPOCH + timedelta(microseconds=nanoseconds // 1000)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    fraction = nanoseconds % 1_000_000_000
    if fraction:
        text += f".{fraction:09d}".rstrip("0")
    return text + "Z"


def is_null(cell: Any) -> bool:
    """A canonical null: None, or NaN in a float column."""
    return cell is None or (isinstance(cell, float) and math.isnan(cell))


def row_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row as a hashable key in which all nulls are equal (as in pandas' ``duplicated``)."""
    return tuple("\0null" if is_null(cell) else cell for cell in row)


# --------------------------------------------------------------------------- dtype names

GENERIC_DTYPES = ("float", "int", "str", "bool", "category", "datetime")
EXACT_DTYPES = (
    "float64",
    "float32",
    "float16",
    "Float64",
    "Float32",
    "int64",
    "int32",
    "int16",
    "int8",
    "uint64",
    "uint32",
    "uint16",
    "uint8",
    "Int64",
    "Int32",
    "Int16",
    "Int8",
    "UInt64",
    "UInt32",
    "UInt16",
    "UInt8",
    "bool",
    "boolean",
    "object",
    "string",
    "category",
)
_DATETIME_DTYPE = re.compile(r"^datetime64\[(s|ms|us|ns)(, [A-Za-z_/+\-0-9]+)?\]$")


def check_dtype_name(value: object) -> str:
    """A dtype a ``dtype`` property may require: a pandas name or a generic kind."""
    if not isinstance(value, str):
        raise PydanticCustomError(
            "dtype", "expected a dtype name like float64, got {value}", {"value": repr(value)}
        )
    if value in GENERIC_DTYPES or value in EXACT_DTYPES or _DATETIME_DTYPE.match(value):
        return value
    known = (*EXACT_DTYPES, *GENERIC_DTYPES, "datetime64[ns]", "datetime64[ns, UTC]")
    raise PydanticCustomError(
        "dtype",
        "unknown dtype '{value}'{hint}; use a pandas dtype (float64, Int64, object, category, "
        "datetime64[ns, UTC], ...) or a kind (float, int, str, bool, category, datetime)",
        {"value": value, "hint": suggest(value, known)},
    )


DtypeName = Annotated[str, BeforeValidator(check_dtype_name)]

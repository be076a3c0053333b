"""SVG helpers shared by the charts (no plotting library, no network): scales, and axis ticks
a reader can count on.

Number ticks step by 1, 2 or 5 times a power of ten (``0, 2000, 4000``, never ``5e+03`` or
``-366``); time ticks fall on calendar boundaries (``20:00, 20:15``, midnight, the 1st of a
month), never at a fraction of the span (``11-19 20:27``).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from closeout._io import write_text

WIDTH = 900
STEPS = (1.0, 2.0, 5.0)
_MINUTE, _HOUR, _DAY, _MONTH = 60, 3600, 86400, 30 * 86400
# Calendar steps in seconds below a month; months and years are counted in months.
TIME_STEPS = (
    1, 2, 5, 10, 15, 30,
    _MINUTE, 2 * _MINUTE, 5 * _MINUTE, 10 * _MINUTE, 15 * _MINUTE, 30 * _MINUTE,
    _HOUR, 2 * _HOUR, 3 * _HOUR, 6 * _HOUR, 12 * _HOUR,
    _DAY, 2 * _DAY, 7 * _DAY, 14 * _DAY,
)  # fmt: skip
MONTH_STEPS = (1, 3, 6, 12, 24, 60, 120)
_MONDAY_EPOCH = 4 * _DAY  # 1970-01-05 was a Monday: weeks start there
_SUFFIXES = ((1e12, "T"), (1e9, "G"), (1e6, "M"))


def scale(d0: float, d1: float, r0: float, r1: float) -> Any:
    """The linear map from the domain ``d0..d1`` to the range ``r0..r1``."""
    width = (d1 - d0) or 1
    return lambda v: r0 + (v - d0) / width * (r1 - r0)


def write_svg(path: Path, text: str) -> None:
    """Write a chart atomically, readable by others like every artifact (``closeout._io``)."""
    write_text(path, text)


# --------------------------------------------------------------------------- number ticks


def nice_step(low: float, high: float, intervals: int = 5) -> float:
    """A step of 1, 2 or 5 times a power of ten for about ``intervals`` intervals: the
    smallest at least ``(high - low) / intervals``, or the next smaller one when that leaves
    fewer than two ticks inside ``low..high`` (the rule of matplotlib's ``MaxNLocator`` with
    steps 1, 2, 5, 10)."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return 1.0
    rough = (high - low) / max(intervals, 1)
    magnitude = 10.0 ** math.floor(math.log10(rough))
    candidates = [base * magnitude for base in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20)]
    first = next(i for i, step in enumerate(candidates) if step >= rough)
    for step in reversed(candidates[: first + 1]):
        if _inside(low, high, step) >= 2:
            return step
    return candidates[0]


def _inside(low: float, high: float, step: float) -> int:
    """How many multiples of ``step`` lie within ``low..high``."""
    # A relative tolerance keeps 0.3/0.1 from counting as 2.9999999999999996 steps.
    return int(math.floor(high / step + 1e-9) - math.ceil(low / step - 1e-9)) + 1


def nice_ticks(low: float, high: float, intervals: int = 5) -> list[float]:
    """Ticks at multiples of a 1-2-5 step from the one at or below ``low`` to the one at or
    above ``high`` (so the axis can be widened to them); an empty span is widened first."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0, 1.0]
    if high < low:
        low, high = high, low
    if high == low:
        step = 10.0 ** math.floor(math.log10(abs(low))) if low else 1.0
        low, high = low - step, high + step
    step = nice_step(low, high, intervals)
    first = math.floor(low / step + 1e-9)
    last = math.ceil(high / step - 1e-9)
    # Multiply, never accumulate: 0.1 + 0.1 + 0.1 would drift from 0.3.
    return [_clean(k * step, step) for k in range(int(first), int(last) + 1)]


def _clean(value: float, step: float) -> float:
    """``value`` rounded to the step's decimals (no ``0.30000000000000004``, no ``-0``)."""
    digits = max(0, -math.floor(math.log10(step)) + 1)
    return round(value, digits) + 0.0


def tick_label(value: float, step: float, signed: bool = False) -> str:
    """``value`` with as many decimals as ``step`` needs, never in exponent notation; a
    million and above with a suffix (``2.5M``)."""
    sign = "+" if signed and value > 0 else ""
    for size, suffix in _SUFFIXES:
        if abs(value) >= size and step >= size / 1000:
            return f"{sign}{tick_label(value / size, step / size)}{suffix}"
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0
    text = f"{value:.{decimals}f}"
    return sign + ("0" if float(text) == 0 else text)


def plain_number(value: float) -> str:
    """A threshold as a reader wrote it: ``5000``, ``0.25``, never ``5e+03``."""
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text if 0.001 <= abs(value) < 1e15 else f"{value:.6g}"


# --------------------------------------------------------------------------- time ticks


def time_step(start: float, end: float, ticks: int = 6) -> tuple[int, str]:
    """The calendar step (``"s"``: seconds, ``"mo"``: months) giving at most ``ticks`` ticks
    between ``start`` and ``end`` (POSIX seconds)."""
    span = max(end - start, 1.0)
    for seconds in TIME_STEPS:
        if span / seconds <= ticks - 1:
            return seconds, "s"
    for months in MONTH_STEPS:
        if span / (months * 30.44 * _DAY) <= ticks - 1:
            return months, "mo"
    return MONTH_STEPS[-1], "mo"


def time_ticks(start: float, end: float, ticks: int = 6) -> list[tuple[float, str]]:
    """Ticks on calendar boundaries inside ``start..end`` (POSIX seconds, UTC), labelled
    concisely: ``20:15`` within a day, the date at midnight and on the first tick."""
    size, unit = time_step(start, end, ticks)
    moments = _month_moments(start, end, size) if unit == "mo" else _even(start, end, size)
    out = []
    for index, moment in enumerate(moments):
        out.append((moment, _time_label(moment, size if unit == "s" else _MONTH, index == 0)))
    return out


def _even(start: float, end: float, step: int) -> list[float]:
    """Multiples of ``step`` seconds in UTC (weeks from a Monday) within ``start..end``."""
    origin = _MONDAY_EPOCH if step % (7 * _DAY) == 0 else 0
    first = math.ceil((start - origin) / step) * step + origin
    return [float(t) for t in range(int(first), int(end) + 1, step)]


def _month_moments(start: float, end: float, months: int) -> list[float]:
    """The first of every ``months``-th month (counted from January) within ``start..end``."""
    moment = datetime.fromtimestamp(start, UTC)
    index = moment.year * 12 + moment.month - 1
    index = -(-index // months) * months  # round up to a multiple of the step
    out: list[float] = []
    while True:
        first = datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC).timestamp()
        if first > end:
            return out
        if first >= start:
            out.append(first)
        index += months


def _time_label(moment: float, step: int, first: bool) -> str:
    when = datetime.fromtimestamp(moment, UTC)
    clock = "%H:%M:%S" if step < _MINUTE else "%H:%M"
    if step >= _MONTH:
        return when.strftime("%b %Y" if first or when.month == 1 else "%b")
    if step >= _DAY:
        return when.strftime("%Y-%m-%d" if first or (when.month, when.day) == (1, 1) else "%b %d")
    if (when.hour, when.minute, when.second) == (0, 0, 0):
        return when.strftime("%b %d" if not first else "%Y-%m-%d")
    return when.strftime(f"%b %d {clock}" if first else clock)


def offset_ticks(span_s: float, ticks: int = 6) -> list[float]:
    """Offsets from 0 to ``span_s`` seconds at a calendar step (for runs without a start)."""
    step, unit = time_step(0, span_s, ticks)
    size = step if unit == "s" else step * 30 * _DAY
    return [float(t) for t in range(0, int(span_s) + 1, size)]


def ticks_for(width: float, label_px: float = 90) -> int:
    """How many labels of about ``label_px`` fit along ``width`` pixels (at least 2)."""
    return max(2, int(width // label_px))

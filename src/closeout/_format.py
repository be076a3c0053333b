"""Formatting of durations, times and numbers for people (Markdown, HTML, terminal)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from closeout._time import format_duration_ms, parse_aware

_MINUTE, _HOUR, _DAY = 60, 3600, 86400


def duration(seconds: float | None) -> str:
    """``45s``, ``3h40m``, ``2d5h``, ``124d``: to the second below a minute, the minute below a
    day, the hour below ten days, whole days beyond (never weeks); ``-`` when unknown."""
    if seconds is None or not math.isfinite(seconds):
        return "-"
    sign = "-" if seconds < 0 else ""
    value = abs(seconds)
    if value >= 10 * _DAY:
        return f"{sign}{round(value / _DAY)}d"
    unit = 1 if value < _MINUTE else _MINUTE if value < _DAY else _HOUR
    rounded = int(round(value / unit) * unit)
    days, rest = divmod(rounded, _DAY)
    text = (f"{days}d" if days else "") + (format_duration_ms(rest * 1000) if rest else "")
    return sign + (text or "0s")


def when(moment: datetime | None) -> str:
    """``2025-03-14 08:00 UTC``."""
    if moment is None:
        return "-"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def day(moment: datetime | None) -> str:
    return "-" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d")


def stamp(text: object) -> str:
    """A record timestamp string as ``2025-03-14 08:15``; other text unchanged."""
    if not isinstance(text, str):
        return "-" if text is None else str(text)
    try:
        return parse_aware(text).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return text


def number(value: object) -> str:
    """Integers as they are, floats to four significant digits, booleans as yes/no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return f"{value:.4g}"
    return "-" if value is None else str(value)


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"

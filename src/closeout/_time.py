"""Durations (``90s``, ``15m``, ``1h30m``, ``1w``) and ISO 8601 timestamps with an offset.

Internally closeout keeps durations as integer milliseconds, as Prometheus does, so grid
arithmetic is exact.

Timestamps are accepted from 1900-01-01 to 2199-12-31 (UTC) and durations up to 100 years:
far from the ends of Python's and pandas' time ranges, so that adding a duration to a time
or reading it into a data frame never overflows (``0001-01-01T00:00:00+23:59`` or a start in
year 9999 would). A time computed past the ends anyway is a ``DataError``, not a crash.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from closeout.errors import DataError

_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
_DURATION = re.compile(r"^(?:(\d+)(ms|s|m|h|d|w))+$")
_PART = re.compile(r"(\d+)(ms|s|m|h|d|w)")
_ORDER = ["w", "d", "h", "m", "s", "ms"]
MAX_DURATION_MS = 36_500 * _UNIT_MS["d"]
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)  # exclusive


def parse_duration_ms(text: str) -> int:
    """Parse ``1h30m`` into milliseconds; raise ValueError with a helpful message."""
    cleaned = text.strip()
    if not _DURATION.match(cleaned):
        raise ValueError(
            f"bad duration '{text}': write a number and a unit, e.g. 90s, 15m, 2h, 1d, 1w or 1h30m"
        )
    parts = _PART.findall(cleaned)
    units = [unit for _, unit in parts]
    if len(set(units)) != len(units) or units != sorted(units, key=_ORDER.index):
        raise ValueError(
            f"bad duration '{text}': units must go from largest to smallest, once each"
        )
    total = sum(int(number) * _UNIT_MS[unit] for number, unit in parts)
    if total > MAX_DURATION_MS:
        raise ValueError(f"bad duration '{text}': at most 36500d (100 years)")
    return total


def format_duration_ms(ms: int) -> str:
    """Format milliseconds as the shortest duration string (``5400000`` -> ``1h30m``)."""
    if ms == 0:
        return "0s"
    sign = "-" if ms < 0 else ""
    rest = abs(ms)
    out = []
    for unit in _ORDER:
        size = _UNIT_MS[unit]
        if rest >= size:
            out.append(f"{rest // size}{unit}")
            rest %= size
    return sign + "".join(out)


def parse_aware(text: str) -> datetime:
    """Parse an ISO 8601 timestamp that must carry an offset; return it in UTC."""
    try:
        value = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        raise ValueError(
            f"bad timestamp '{text}': expected ISO 8601 like 2025-07-01T22:00:00Z"
        ) from None
    if value.tzinfo is None:
        raise ValueError(f"timestamp '{text}' has no offset: add Z or +02:00")
    try:
        moment = value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is in year 0
        moment = EARLIEST - timedelta(days=1)
    if not EARLIEST <= moment < LATEST:
        raise ValueError(
            f"timestamp '{text}' is out of range: closeout accepts 1900-01-01 to 2199-12-31 (UTC)"
        )
    return moment


def to_ms(value: datetime) -> int:
    """Milliseconds since the epoch of an aware datetime."""
    return round(value.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    """The aware UTC datetime ``ms`` milliseconds after the epoch; a DataError past year 9999."""
    try:
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)
    except OverflowError:
        raise DataError(
            f"a time {format_duration_ms(ms)} from 1970-01-01 is outside the calendar "
            "(years 1 to 9999): check the start, interval and series lengths"
        ) from None


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso_z(value: datetime) -> str:
    """``2026-11-26T17:02:11Z`` (seconds precision, UTC)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

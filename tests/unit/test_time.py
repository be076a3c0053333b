"""Durations and timestamps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from closeout._time import format_duration_ms, from_ms, parse_aware, parse_duration_ms
from closeout.errors import DataError


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("90s", 90_000),
        ("15m", 900_000),
        ("2h", 7_200_000),
        ("1d", 86_400_000),
        ("1w", 604_800_000),
        ("1h30m", 5_400_000),
        ("250ms", 250),
        ("1d2h3m4s", 93_784_000),
    ],
)
def test_durations_parse_to_milliseconds(text: str, ms: int) -> None:
    assert parse_duration_ms(text) == ms


@pytest.mark.parametrize("text", ["5mins", "15", "m", "1.5h", "30m1h", "1h1h", "-5m", ""])
def test_bad_durations_say_how_to_write_one(text: str) -> None:
    with pytest.raises(ValueError, match="bad duration"):
        parse_duration_ms(text)


@given(st.integers(0, 10**12))
def test_format_and_parse_are_inverse(ms: int) -> None:
    assert parse_duration_ms(format_duration_ms(ms)) == ms


def test_timestamps_need_an_offset_and_come_back_in_utc() -> None:
    assert parse_aware("2025-07-01T22:00:00+02:00") == datetime(2025, 7, 1, 20, tzinfo=UTC)
    assert parse_aware("2025-07-01T22:00:00Z") == datetime(2025, 7, 1, 22, tzinfo=UTC)
    with pytest.raises(ValueError, match="no offset"):
        parse_aware("2025-07-01T22:00:00")
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_aware("yesterday")


@pytest.mark.parametrize(
    "text",
    [
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+23:59",  # year 0 once in UTC: beyond what datetime can hold
        "9999-12-31T23:59:59Z",
        "9999-12-31T23:00:00-23:59",
        "1899-12-31T23:59:59Z",
        "2200-01-01T00:00:00Z",
    ],
)
def test_timestamps_beyond_the_supported_range_are_refused_without_overflow(text: str) -> None:
    with pytest.raises(
        ValueError, match=r"out of range: closeout accepts 1900-01-01 to 2199-12-31"
    ):
        parse_aware(text)


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("1900-01-01T00:00:00Z", datetime(1900, 1, 1, tzinfo=UTC)),
        ("2199-12-31T23:59:59Z", datetime(2199, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("2200-01-01T01:00:00+02:00", datetime(2199, 12, 31, 23, tzinfo=UTC)),
    ],
)
def test_the_ends_of_the_range_are_accepted(text: str, moment: datetime) -> None:
    assert parse_aware(text) == moment


def test_durations_are_capped_at_a_hundred_years() -> None:
    assert parse_duration_ms("36500d") == 36_500 * 86_400_000
    with pytest.raises(ValueError, match=r"bad duration '5215w': at most 36500d \(100 years\)"):
        parse_duration_ms("5215w")


def test_a_computed_time_past_the_calendar_is_a_data_error() -> None:
    assert from_ms(0) == datetime(1970, 1, 1, tzinfo=UTC)
    with pytest.raises(DataError, match=r"outside the calendar \(years 1 to 9999\)"):
        from_ms(10**18)
    with pytest.raises(DataError, match="outside the calendar"):
        from_ms(-(10**14))

"""Durations and timestamps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from closeout._time import format_duration_ms, parse_aware, parse_duration_ms


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

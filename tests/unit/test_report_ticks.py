"""Axis ticks of the charts (``closeout.kinds._toolkit.svg``) against independent expectations.

Number ticks follow matplotlib's ``MaxNLocator(nbins, steps=[1, 2, 5, 10])``: the table below
was produced by matplotlib 3.11.2 itself (``MaxNLocator(nbins=n, steps=[1, 2, 5, 10])
.tick_values(low, high)``), and when matplotlib is installed the test also asks it directly
over random ranges. Time ticks are hand-checked cases, each with its reasoning.
"""

from __future__ import annotations

import itertools
import math
import random
from datetime import UTC, datetime

import pytest

from closeout.kinds._toolkit.svg import (
    nice_ticks,
    offset_ticks,
    plain_number,
    tick_label,
    time_ticks,
)

# (low, high, intervals) -> ticks, as matplotlib 3.11.2 computed them.
MATPLOTLIB = [
    ((0, 5000, 4), [0.0, 2000.0, 4000.0, 6000.0]),
    ((-366, 5200, 4), [-2000.0, 0.0, 2000.0, 4000.0, 6000.0]),
    ((0.0012, 0.0189, 5), [0.0, 0.005, 0.01, 0.015, 0.02]),
    ((3, 7, 4), [3.0, 4.0, 5.0, 6.0, 7.0]),
    ((0.1, 0.3, 4), [0.1, 0.15, 0.2, 0.25, 0.3]),
    ((-0.042, 0.013, 4), [-0.06, -0.04, -0.02, 0.0, 0.02]),
    ((12.5, 12.9, 4), [12.4, 12.6, 12.8, 13.0]),
    ((1e6, 7.3e6, 4), [0.0, 2e6, 4e6, 6e6, 8e6]),
    ((-2.5, 2.5, 4), [-4.0, -2.0, 0.0, 2.0, 4.0]),
    ((0, 1, 4), [0.0, 0.5, 1.0]),
    ((0, 97, 5), [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]),
    ((0, 30, 3), [0.0, 10.0, 20.0, 30.0]),
    ((97, 103, 4), [96.0, 98.0, 100.0, 102.0, 104.0]),
    ((-0.9, 0.2, 5), [-1.0, -0.5, 0.0, 0.5]),
]


@pytest.mark.parametrize(("span", "expected"), MATPLOTLIB)
def test_number_ticks_match_matplotlib(
    span: tuple[float, float, int], expected: list[float]
) -> None:
    assert nice_ticks(*span) == pytest.approx(expected, abs=1e-12)


def test_number_ticks_match_matplotlib_itself_over_random_ranges() -> None:
    ticker = pytest.importorskip("matplotlib.ticker")
    rng = random.Random(20261201)
    for _ in range(2000):
        exponent = rng.uniform(-4, 7)
        low = rng.uniform(-1, 1) * 10**exponent
        high = low + rng.uniform(0.01, 10) * 10 ** (exponent + rng.uniform(-1, 1))
        bins = rng.randint(2, 9)
        locator = ticker.MaxNLocator(nbins=bins, steps=[1, 2, 5, 10])
        expected = [float(t) for t in locator.tick_values(low, high)]
        assert nice_ticks(low, high, bins) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_ticks_cover_the_range_at_one_two_five_steps() -> None:
    rng = random.Random(7)
    for _ in range(500):
        low = rng.uniform(-1e4, 1e4)
        high = low + rng.uniform(1e-3, 1e5)
        ticks = nice_ticks(low, high, 4)
        step = ticks[1] - ticks[0]
        mantissa = step / 10 ** math.floor(math.log10(step))
        assert round(mantissa, 6) in (1.0, 2.0, 5.0)
        assert ticks[0] <= low + 1e-9 * abs(low) and ticks[-1] >= high - 1e-9 * abs(high)
        gaps = [b - a for a, b in itertools.pairwise(ticks)]
        assert gaps == pytest.approx([step] * len(gaps))


def test_an_empty_or_odd_range_still_gets_ticks() -> None:
    assert nice_ticks(5, 5) == [4.0, 4.5, 5.0, 5.5, 6.0]  # widened by its power of ten
    assert nice_ticks(0, 0) == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert nice_ticks(3, 1) == nice_ticks(1, 3)
    assert nice_ticks(float("nan"), 1) == [0.0, 1.0]


def test_tick_labels_never_use_exponents() -> None:
    ticks = nice_ticks(-366, 5200, 4)
    assert [tick_label(t, 2000) for t in ticks] == ["-2000", "0", "2000", "4000", "6000"]
    assert [tick_label(t, 0.05) for t in (0.0, 0.05, 0.1)] == ["0", "0.05", "0.10"]
    assert tick_label(2.5e6, 5e5) == "2.5M" and tick_label(3e9, 1e9) == "3G"
    assert tick_label(0.02, 0.01, signed=True) == "+0.02"
    assert tick_label(-0.0, 0.01, signed=True) == "0"
    assert [plain_number(v) for v in (5000.0, 0.25, 1e6, -0.05)] == [
        "5000",
        "0.25",
        "1000000",
        "-0.05",
    ]


def _t(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_time_ticks_fall_on_quarter_hours() -> None:
    # 73 minutes at most 6 ticks: 10 minutes would need 7.3 intervals, 15 minutes 4.9.
    ticks = time_ticks(_t("2025-11-19T20:27:00"), _t("2025-11-19T21:40:00"), 6)
    assert [label for _, label in ticks] == ["Nov 19 20:30", "20:45", "21:00", "21:15", "21:30"]
    assert ticks[0][0] == _t("2025-11-19T20:30:00")


def test_time_ticks_name_the_day_at_midnight() -> None:
    # 15 hours: 2 hours would need 7.5 intervals, 3 hours 5; midnight shows the new date.
    ticks = time_ticks(_t("2025-11-19T18:00:00"), _t("2025-11-20T09:00:00"), 6)
    labels = [label for _, label in ticks]
    assert labels == ["Nov 19 18:00", "21:00", "Nov 20", "03:00", "06:00", "09:00"]


def test_time_ticks_of_weeks_start_on_mondays_and_months_on_the_first() -> None:
    # 25 days: 2 days would need 12.5 intervals, a week 3.6; weeks start on a Monday.
    weeks = time_ticks(_t("2025-11-03T05:00:00"), _t("2025-11-28T00:00:00"), 6)
    assert [label for _, label in weeks] == ["2025-11-10", "Nov 17", "Nov 24"]
    assert all(datetime.fromtimestamp(t, UTC).weekday() == 0 for t, _ in weeks)
    # 101 days: two weeks would need 7.2 intervals, a month 3.3.
    months = time_ticks(_t("2025-11-01T00:00:00"), _t("2026-02-10T00:00:00"), 6)
    assert [label for _, label in months] == ["Nov 2025", "Dec", "Jan 2026", "Feb"]


def test_offsets_from_zero_step_by_calendar_units() -> None:
    assert offset_ticks(3 * 3600, 6) == [0.0, 3600.0, 7200.0, 10800.0]  # 30m would be 6 gaps
    # 150 minutes: 30 minutes make exactly 5 intervals; 160 minutes would need an hour.
    assert offset_ticks(150 * 60, 6) == [0.0, 1800.0, 3600.0, 5400.0, 7200.0, 9000.0]
    assert offset_ticks(160 * 60, 6) == [0.0, 3600.0, 7200.0]

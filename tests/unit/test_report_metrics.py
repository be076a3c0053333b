"""SPEC §9 metrics against values computed by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from closeout.reports.facts import ActionFact, IncidentFact
from closeout.reports.metrics import compute, quantile, spread

MINUTE, HOUR, DAY = 60, 3600, 86400


@pytest.mark.parametrize(
    ("values", "median", "p90"),
    [
        # one value: every quantile is that value
        ([7.0], 7.0, 7.0),
        # two: h = (2-1)*0.9 = 0.9 -> 10 + 0.9*(20-10) = 19
        ([20.0, 10.0], 15.0, 19.0),
        # 1..10: median h = 4.5 -> 5.5; p90 h = 8.1 -> 9 + 0.1*(10-9) = 9.1
        ([float(v) for v in range(10, 0, -1)], 5.5, 9.1),
        # three, unsorted: h = 1.8 -> 2 + 0.8*(3-2) = 2.8
        ([3.0, 1.0, 2.0], 2.0, 2.8),
        # ties: [5, 5, 5, 100]: median h = 1.5 -> 5; p90 h = 2.7 -> 5 + 0.7*95 = 71.5
        ([5.0, 100.0, 5.0, 5.0], 5.0, 71.5),
    ],
)
def test_quantile_is_linear_interpolation_between_closest_ranks(
    values: list[float], median: float, p90: float
) -> None:
    assert quantile(values, 0.5) == pytest.approx(median)
    assert quantile(values, 0.9) == pytest.approx(p90)


def test_quantile_agrees_with_numpy_linear_on_random_samples() -> None:
    rng = random.Random(7)
    for size in (1, 2, 3, 10, 101):
        values = [rng.expovariate(1 / 3600) for _ in range(size)]
        for level in (0.0, 0.5, 0.9, 1.0):
            expected = float(np.quantile(values, level, method="linear"))
            assert quantile(values, level) == pytest.approx(expected, rel=1e-12)


def test_quantile_of_nothing_is_an_error_and_spread_says_none() -> None:
    with pytest.raises(ValueError, match="no values"):
        quantile([], 0.5)
    assert spread([]) == {"n": 0, "median_s": None, "p90_s": None}


T0 = datetime(2025, 1, 10, tzinfo=UTC)


def action(
    ident: str,
    state: str,
    categories: tuple[str, ...],
    closed_after: float | None = None,
    detected: datetime | None = None,
    recurrences: int = 0,
    overdue: bool = False,
) -> ActionFact:
    closed = detected + timedelta(seconds=closed_after) if closed_after is not None else None
    return ActionFact(
        id=ident,
        title=ident,
        type="detect",
        owner="sam",
        due=date(2027, 1, 1),
        state=state,
        overdue=overdue,
        categories=categories,
        first_closed_at=closed,
        recurrences=recurrences,
    )


def small_archive() -> list[IncidentFact]:
    a_start = T0
    a_detected = a_start + timedelta(minutes=10)
    b_start = datetime(2025, 2, 1, tzinfo=UTC)
    b_detected = b_start + timedelta(minutes=30)
    # 2025-03-31T23:30-02:00 is 2025-04-01T01:30Z: the second quarter in UTC.
    c_start = datetime.fromisoformat("2025-03-31T23:30:00-02:00")
    c_detected = c_start + timedelta(minutes=50)
    return [
        IncidentFact(
            id="A",
            title="a",
            severity="SEV1",
            status="published",
            started_at=a_start,
            detected_at=a_detected,
            diagnosed_at=a_detected + timedelta(minutes=30),
            mitigated_at=a_start + timedelta(hours=1),
            resolved_at=a_start + timedelta(hours=2),
            categories=("data",),
            actions=(
                action("A1", "closed", ("data",), 2 * DAY, a_detected, recurrences=1),
                action("A2", "open", ("data",), overdue=True),
            ),
        ),
        IncidentFact(
            id="B",
            title="b",
            severity="SEV1",
            status="published",
            started_at=b_start,
            detected_at=b_detected,
            mitigated_at=b_start + timedelta(hours=3),
            resolved_at=b_start + timedelta(hours=5),
            categories=("technical", "process"),
            actions=(
                action("B1", "waived", ("process",)),
                action("B2", "closed", ("technical",), 4 * DAY, b_detected),
                action("B3", "regressed", ("technical", "process"), DAY, b_detected, 2),
            ),
        ),
        IncidentFact(
            id="C",
            title="c",
            severity="SEV2",
            status="published",
            started_at=c_start,
            detected_at=c_detected,
            diagnosed_at=c_detected + timedelta(minutes=10),
            mitigated_at=c_start + timedelta(hours=1),
            categories=("data",),
            actions=(
                action("C1", "not_doing", ("data",)),
                action("C2", "verified", ("data",)),
            ),
        ),
    ]


def spreads(group: dict[str, object], measure: str) -> tuple[object, object, object]:
    stats = group[measure]
    assert isinstance(stats, dict)
    return stats["n"], stats["median_s"], stats["p90_s"]


def test_overall_medians_and_p90_by_hand() -> None:
    overall = compute(small_archive())["overall"]
    # detect: A 10m, B 30m, C 50m -> [600, 1800, 3000]; p90 h = 1.8 -> 1800 + 0.8*1200
    assert spreads(overall, "time_to_detect") == (3, 1800, pytest.approx(2760))
    # diagnose: A 30m, C 10m (B has none) -> [600, 1800]; p90 = 600 + 0.9*1200
    assert spreads(overall, "time_to_diagnose") == (2, 1200, pytest.approx(1680))
    # mitigate: A 1h, B 3h, C 1h -> [3600, 3600, 10800]; p90 = 3600 + 0.8*7200
    assert spreads(overall, "time_to_mitigate") == (3, 3600, pytest.approx(9360))
    # resolve: A 2h, B 5h (C unresolved) -> [7200, 18000]; p90 = 7200 + 0.9*10800
    assert spreads(overall, "time_to_resolve") == (2, 12600, pytest.approx(16920))
    # close: A1 2d, B2 4d, B3 1d -> [86400, 172800, 345600]; p90 = 172800 + 0.8*172800
    assert spreads(overall, "time_to_close") == (3, 172800, pytest.approx(311040))


def test_overall_action_counts_closure_and_recurrence_rate_by_hand() -> None:
    overall = compute(small_archive())["overall"]
    counts = overall["actions"]
    # closed: A1, B2; open: A2, B3 (regressed), C2 (verified); waived B1; not_doing C1
    assert (counts["total"], counts["closed"], counts["open"]) == (7, 2, 3)
    assert (counts["overdue"], counts["waived"], counts["not_doing"]) == (1, 1, 1)
    assert overall["closure_rate"] == pytest.approx(2 / 5)
    # recurrences 1 (A1) + 2 (B3) over the actions ever closed: A1, B2, B3
    assert (overall["recurrences"], overall["ever_closed"]) == (3, 3)
    assert overall["recurrence_rate"] == pytest.approx(1.0)


def test_groups_by_severity_by_hand() -> None:
    by_severity = compute(small_archive())["by_severity"]
    assert list(by_severity) == ["SEV1", "SEV2"]
    sev1, sev2 = by_severity["SEV1"], by_severity["SEV2"]
    # SEV1 detect: [600, 1800] -> median 1200, p90 600 + 0.9*1200
    assert spreads(sev1, "time_to_detect") == (2, 1200, pytest.approx(1680))
    # SEV1 actions: closed A1, B2; open A2, B3; waived B1 -> 2 / 4
    assert sev1["closure_rate"] == pytest.approx(0.5)
    assert sev1["recurrence_rate"] == pytest.approx(3 / 3)
    assert spreads(sev2, "time_to_detect") == (1, 3000, 3000)
    # SEV2: C2 open, C1 not doing -> 0 / 1; nothing ever closed -> no recurrence rate
    assert (sev2["closure_rate"], sev2["recurrence_rate"]) == (0.0, None)
    assert spreads(sev2, "time_to_close") == (0, None, None)


def test_groups_by_root_cause_category_by_hand() -> None:
    by_category = compute(small_archive())["by_category"]
    assert list(by_category) == ["technical", "data", "process"]
    data, technical, process = (by_category[k] for k in ("data", "technical", "process"))
    # data incidents A, C: detect [600, 3000] -> 1800, p90 600 + 0.9*2400
    assert spreads(data, "time_to_detect") == (2, 1800, pytest.approx(2760))
    # data actions A1 closed, A2 open, C1 not doing, C2 open -> 1 / 3
    assert data["closure_rate"] == pytest.approx(1 / 3)
    # technical actions B2 (4d), B3 (1d): close median 2.5d, p90 1d + 0.9*3d
    assert spreads(technical, "time_to_close") == (2, 2.5 * DAY, pytest.approx(3.7 * DAY))
    assert technical["recurrence_rate"] == pytest.approx(2 / 2)
    # process actions B1 waived, B3 regressed (ever closed, 2 recurrences) -> 0 / 1, 2 / 1
    assert (process["closure_rate"], process["recurrence_rate"]) == (0.0, pytest.approx(2.0))
    assert process["incidents"] == 1


def test_quarters_are_utc_quarters_of_the_start_of_impact() -> None:
    metrics = compute(small_archive())
    assert list(metrics["by_quarter"]) == ["2025-Q1", "2025-Q2"]
    assert metrics["by_quarter"]["2025-Q1"]["incidents"] == 2
    assert metrics["by_quarter"]["2025-Q2"]["incidents"] == 1
    assert metrics["period"] == {"from": "2025-01-10T00:00:00Z", "to": "2025-04-01T01:30:00Z"}


def test_per_incident_and_per_action_rows() -> None:
    metrics = compute(small_archive())
    rows = {row["incident"]: row for row in metrics["incidents"]}
    assert rows["B"]["time_to_diagnose_s"] is None
    assert rows["C"]["time_to_resolve_s"] is None
    assert rows["A"]["time_to_mitigate_s"] == HOUR
    actions = {(row["incident"], row["action"]): row for row in metrics["actions"]}
    assert actions[("B", "B2")]["time_to_close_s"] == 4 * DAY
    assert actions[("B", "B2")]["closed_at"] == "2025-02-05T00:30:00Z"
    assert actions[("A", "A2")]["time_to_close_s"] is None


def test_an_empty_archive_has_no_quantiles_and_no_rates() -> None:
    metrics = compute([])
    overall = metrics["overall"]
    assert overall["incidents"] == 0 and metrics["period"] is None
    assert spreads(overall, "time_to_detect") == (0, None, None)
    assert (overall["closure_rate"], overall["recurrence_rate"]) == (None, None)


def test_a_stale_closure_still_counts_as_closed() -> None:
    detected = T0 + timedelta(minutes=5)
    stale = action("A1", "stale", ("data",), MINUTE, detected)
    never = action("A2", "stale", ("data",))  # stale but only verified, never closed
    assert stale.closed and not never.closed

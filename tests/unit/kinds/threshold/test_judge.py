"""``threshold.judge``: expectations with and without ``labels`` against alert instances."""

from __future__ import annotations

from typing import Any

from closeout.kinds.threshold import promql
from closeout.kinds.threshold.judge import AlertObservation, alert_metrics, judge, quiet_trace
from closeout.kinds.threshold.promtool import Instance
from closeout.kinds.threshold.rules_file import AlertRule
from closeout.kinds.threshold.spec import ThresholdScenario

M = 60_000
GRID = range(0, 6 * M, M)
A = (("job", "a"), ("severity", "page"))
B = (("job", "b"), ("severity", "page"))


def trace(*firing: int) -> promql.AlertTrace:
    found = quiet_trace(GRID)
    for index in firing:
        found.firing[index] = True
    return found


def observed() -> dict[str, AlertObservation]:
    """Instance a fires at 1m-3m, instance b at 3m-5m."""
    rule = AlertRule("E", "rate(x[5m]) > 1", annotations=(("s", "static"),))
    alert = AlertObservation(rule, {A: trace(1, 2, 3), B: trace(3, 4, 5)}, grid=GRID)
    alert.annotations[(A, 2 * M)] = (("s", "expanded"),)
    return {"E": alert}


def expect(**fields: Any) -> Any:
    scenario = ThresholdScenario.model_validate(
        {
            "action": "A1",
            "kind": "threshold",
            "interval": "1m",
            "series": {"x": "1"},
            "rules": [{"alert": "E", "expr": "x > 1"}],
            "expect": [{"alert": "E", **fields}],
        }
    )
    return scenario.expect[0]


def outcome(**fields: Any) -> tuple[str, str, str]:
    found = judge(expect(**fields), observed(), 0, M)
    return found.outcome, found.observed, found.name


def test_without_labels_any_instance_counts() -> None:
    assert outcome(at="4m", firing=True)[:2] == ("pass", "firing")
    assert outcome(at="30s", firing=False)[:2] == ("pass", "not firing")
    assert outcome(first_fires_at="1m")[:2] == ("pass", "1m")
    assert outcome(never_fires=True)[:2] == ("fail", "fires at 1m")


def test_with_labels_only_that_instance_counts() -> None:
    b = {"job": "b", "severity": "page"}
    assert outcome(at="2m", firing=False, labels=b) == (
        "pass",
        "not firing",
        'E{job="b",severity="page"} at 2m',
    )
    assert outcome(first_fires_at="3m30s", labels=b)[:2] == ("pass", "3m")
    assert outcome(never_fires=True, labels={"job": "c", "severity": "page"})[0] == "pass"
    assert outcome(never_fires=True, labels={"job": "a"})[0] == "pass"  # the full set or nothing


def test_a_failing_labelled_expectation_lists_the_firing_instances() -> None:
    found = judge(expect(at="2m", firing=True, labels={"job": "c"}), observed(), 0, M)
    assert found.outcome == "fail"
    assert found.detail == 'firing instances: {job="a",severity="page"}'


def test_firing_instances_carry_their_annotations() -> None:
    alert = observed()["E"]
    assert alert.firing_at(2 * M + 30_000) == [Instance(A, (("s", "expanded"),))]
    assert alert.firing_at(3 * M) == [
        Instance(A, (("s", "static"),)),
        Instance(B, (("s", "static"),)),
    ]
    assert alert.firing_at(-1) == []


def test_metrics_per_instance() -> None:
    metrics = alert_metrics(observed()["E"], 0, M, instances=True)
    assert metrics["first_fires_at"] == "1970-01-01T00:01:00Z"
    assert metrics["firing_intervals"] == [["1970-01-01T00:01:00Z", None]]
    assert [i["labels"] for i in metrics["instances"]] == [dict(A), dict(B)]
    assert metrics["instances"][0]["firing_intervals"] == [
        ["1970-01-01T00:01:00Z", "1970-01-01T00:04:00Z"]
    ]
    assert "instances" not in alert_metrics(observed()["E"], 0, M, instances=False)

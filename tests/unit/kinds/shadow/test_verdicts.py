"""SPEC §4.2's pass / fail / inconclusive rules, at and around their boundaries."""

from __future__ import annotations

from pathlib import Path

import pytest

from closeout.kinds.shadow.spec import ShadowExpectation
from closeout.kinds.shadow.verdicts import Estimate, judge
from closeout.loader import load_scenario
from closeout.project import load_project
from closeout.runner import run_loaded

ROOT = Path(__file__).resolve().parents[4]


def estimate(metric: str, low: float, high: float, candidate: float = 0.9) -> Estimate:
    baseline = candidate - (low + high) / 2
    return Estimate(metric, "all", 1000, candidate, baseline, low, high, 0.95, 2000)


def outcome(expectation: dict[str, object], found: Estimate) -> str:
    judged = judge(ShadowExpectation.model_validate(expectation), found)
    assert len(judged) == 1
    return judged[0].outcome


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (-0.019, 0.03, "pass"),  # lo > -margin
        (-0.02, 0.03, "inconclusive"),  # lo == -margin is not above it
        (-0.03, 0.01, "inconclusive"),  # straddles -margin
        (-0.05, -0.0201, "fail"),  # hi < -margin
        (-0.05, -0.02, "inconclusive"),  # hi == -margin is not below it
        (0.0, 0.0, "pass"),  # a model compared with itself is non-inferior
    ],
)
def test_non_inferiority(low: float, high: float, expected: str) -> None:
    rule = {"metric": "roc_auc", "non_inferior": {"margin": 0.02}}
    assert outcome(rule, estimate("roc_auc", low, high)) == expected


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0.051, 0.2, "pass"),  # lo > by
        (0.05, 0.2, "inconclusive"),  # lo == by
        (0.01, 0.09, "inconclusive"),
        (-0.1, 0.049, "fail"),  # hi < by
        (0.0, 0.05, "inconclusive"),  # hi == by
        (0.0, 0.0, "fail"),  # no gain at all
    ],
)
def test_better_than_baseline(low: float, high: float, expected: str) -> None:
    rule = {"metric": "recall", "better_than_baseline": {"by": 0.05}}
    assert outcome(rule, estimate("recall", low, high)) == expected


def test_better_than_baseline_by_zero_needs_the_whole_interval_above_zero() -> None:
    rule = {"metric": "f1", "better_than_baseline": {}}
    assert outcome(rule, estimate("f1", 0.001, 0.01)) == "pass"
    assert outcome(rule, estimate("f1", 0.0, 0.01)) == "inconclusive"


@pytest.mark.parametrize("metric", ["mae", "rmse", "mape", "log_loss"])
def test_lower_is_better_metrics_count_a_lower_candidate_as_an_improvement(metric: str) -> None:
    # candidate error 1.0 against baseline 1.2: an improvement of +0.2
    found = Estimate(metric, "all", 500, 1.0, 1.2, 0.15, 0.25, 0.95, 2000)
    assert found.improvement == pytest.approx(0.2)
    rule = {"metric": metric, "better_than_baseline": {"by": 0.1}}
    judged = judge(ShadowExpectation.model_validate(rule), found)[0]
    assert judged.outcome == "pass"
    assert judged.observed == "+0.2000 [+0.1500, +0.2500]"
    assert "baseline - candidate (lower is better)" in judged.detail


def test_higher_is_better_metrics_keep_the_sign() -> None:
    found = Estimate("r2", "all", 500, 0.8, 0.7, 0.05, 0.15, 0.95, 2000)
    assert found.improvement == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("rule", "value", "expected"),
    [
        ({"at_least": 0.9}, 0.9, "pass"),  # inclusive
        ({"at_least": 0.9}, 0.8999, "fail"),
        ({"at_most": 0.3}, 0.3, "pass"),  # inclusive
        ({"at_most": 0.3}, 0.3001, "fail"),
    ],
)
def test_absolute_bounds_are_inclusive_on_the_candidate(
    rule: dict[str, float], value: float, expected: str
) -> None:
    found = Estimate("recall", "region=EU", 80, value, 0.1)
    assert outcome({"metric": "recall", "where": {"region": "EU"}, **rule}, found) == expected


def test_one_expectation_can_hold_several_comparisons() -> None:
    rule = ShadowExpectation.model_validate(
        {"metric": "recall", "at_least": 0.8, "non_inferior": {"margin": 0.01}}
    )
    judged = judge(rule, estimate("recall", -0.005, 0.02, candidate=0.85))
    assert [(o.name, o.outcome) for o in judged] == [
        ("recall at_least", "pass"),
        ("recall non_inferior (margin 0.01)", "pass"),
    ]


def test_bundled_incident_fixed_model_passes_and_production_fails() -> None:
    project = load_project(ROOT)
    path = ROOT / "scenarios" / "INC-2025-052" / "a1-shadow-v33.yaml"
    result = run_loaded(load_scenario(project, path), project, artifacts=False)
    assert (result.verdict, result.before_verdict) == ("pass", "fail"), result.fixed.error
    assert result.before is not None
    failed = {o.name for o in result.before.outcomes if o.outcome == "fail"}
    assert failed == {
        "recall [lab=northfield] better_than_baseline (by 0.05)",
        "recall [lab=northfield] at_least",
    }

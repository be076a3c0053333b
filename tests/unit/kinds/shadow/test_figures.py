"""Key figures of shadow runs, read from records of every version."""

from __future__ import annotations

from typing import Any

import pytest

from closeout.kinds.shadow.figures import figures

RECALL = {
    "metric": "recall",
    "slice": "region=EU",
    "candidate": 0.9231,
    "baseline": 0.75,
    "improvement": 0.1731,
    "interval": [0.0755, 0.2826],
    "confidence": 0.95,
    "rows": 147,
}


def test_a_comparison_shows_estimates_improvement_interval_and_rows() -> None:
    agreement = {"metric": "agreement", "slice": "all", "candidate": 0.968, "baseline": None}
    assert figures({"comparisons": [RECALL, agreement, "junk", {"slice": "all"}]}) == [
        (
            "recall [region=EU]",
            "candidate 0.9231 vs baseline 0.75; improvement +0.1731 [+0.0755, +0.2826] 95% (n=147)",
        ),
        ("agreement", "candidate 0.968"),
    ]


@pytest.mark.parametrize("spelling", ["NaN", "nan", float("nan")])
def test_a_non_finite_number_reads_the_same_in_every_encoding(spelling: Any) -> None:
    entry = RECALL | {"candidate": spelling, "improvement": spelling, "interval": [spelling, 0.2]}
    assert figures({"comparisons": [entry]}) == [
        (
            "recall [region=EU]",
            "candidate nan vs baseline 0.75; improvement +nan [+nan, +0.2] 95% (n=147)",
        )
    ]


def test_an_interval_that_is_not_defined_is_left_out() -> None:
    entry = RECALL | {"interval": [None, None]}
    assert figures({"comparisons": [entry]}) == [
        ("recall [region=EU]", "candidate 0.9231 vs baseline 0.75; improvement +0.1731 (n=147)")
    ]


def test_mlflow_models_come_first_with_version_run_and_digest() -> None:
    registered = {
        "uri": "models:/churn@challenger",
        "version": "2",
        "run_id": "1a2b3c4d5e6f",
        "sha256": "0123456789abcdef" * 4,
    }
    local = {"uri": "models/churn_v2", "version": None, "run_id": None, "sha256": "ff" * 32}
    metrics = {
        "candidate": {"source": "mlflow models:/churn@challenger", "mlflow": registered},
        "baseline": {"source": "mlflow models/churn_v2", "mlflow": local},
        "comparisons": [RECALL],
    }
    assert figures(metrics)[:2] == [
        (
            "candidate model",
            "models:/churn@challenger (version 2, run 1a2b3c4d, sha256 0123456789ab)",
        ),
        ("baseline model", "models/churn_v2 (sha256 ffffffffffff)"),
    ]
    assert figures({"candidate": {"source": "column x"}, "comparisons": [RECALL]})[0][0] == (
        "recall [region=EU]"
    )

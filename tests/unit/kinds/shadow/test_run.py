"""The shadow run end to end: red and green, intervals against scipy, evidence, determinism."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from tests.conftest import Write
from tests.unit.kinds.shadow.cases import run, scenario

from closeout import evidence
from closeout._numbers import decode_number, is_nonfinite_marker
from closeout.kinds.shadow import bootstrap
from closeout.project import load_project

# --------------------------------------------------------------------------- red and green


def test_fixed_model_passes_and_production_as_candidate_fails_the_slice(
    data: pd.DataFrame, write: Write
) -> None:
    result = run(write, scenario("{column: v2_score}"))
    assert result.verdict == "pass", result.fixed.outcomes
    before = {o.name: o.outcome for o in result.before.outcomes}  # type: ignore[union-attr]
    assert result.before_verdict == "fail" and result.discriminating
    assert before["recall [region=EU] better_than_baseline (by 0.1)"] == "fail"
    # the same model compared with itself is exactly non-inferior: the interval is [0, 0]
    assert before["roc_auc non_inferior (margin 0.02)"] == "pass"


# --------------------------------------------------------------------------- intervals, evidence


def test_interval_is_scipys_paired_percentile_interval_on_the_same_resamples(
    data: pd.DataFrame, write: Write
) -> None:
    # mae: lower is better, so the improvement is baseline - candidate
    frame = data.assign(
        spend=(50 + 30 * data["x1"]).round(2),
        spend_v2=(50 + 30 * data["x1"] + 4 * data["x2"]).round(2),
        spend_prod=(50 + 30 * data["x1"] + 6 * data["x2"]).round(2),
    )
    frame.to_csv("fixtures/INC-1/traffic.csv", index=False)
    text = textwrap.dedent(
        """\
        action: A1
        kind: shadow
        data: fixtures/INC-1/traffic.csv
        label: spend
        task: regression
        baseline: {column: spend_prod}
        candidate: {column: spend_v2}
        bootstrap: {resamples: 500, confidence: 0.9}
        seed: 5
        expect:
          - {metric: mae, better_than_baseline: {by: 0.5}}
        """
    )
    result = run(write, text, artifacts=False)
    comparison = result.fixed.metrics["comparisons"][0]
    y = frame["spend"].to_numpy()

    def improvement(y: Any, base: Any, cand: Any, axis: int = -1) -> Any:
        return np.abs(base - y).mean(axis=axis) - np.abs(cand - y).mean(axis=axis)

    reference = stats.bootstrap(
        (y, frame["spend_prod"].to_numpy(), frame["spend_v2"].to_numpy()),
        improvement,
        paired=True,
        vectorized=True,
        n_resamples=500,
        confidence_level=0.9,
        batch=bootstrap.chunk_size(len(y)),
        method="percentile",
        rng=bootstrap.generator(5, "all"),
    )
    assert comparison["interval"] == pytest.approx(list(reference.confidence_interval), abs=1e-12)
    assert comparison["improvement"] > 0 and comparison["lower_is_better"]
    assert result.verdict == "pass"


def test_evidence_records_estimates_intervals_rows_per_slice_and_resamples(
    data: pd.DataFrame, write: Write, project_dir: Path
) -> None:
    result = run(write, scenario("{column: v2_score}"), artifacts=False)
    project = load_project()
    path = evidence.write_record(project, evidence.run_record(result, project, "manual"), "x")
    metrics = evidence.read_record(path)["metrics"]
    eu = data["region"] == "EU"
    assert metrics["slices"]["all"]["rows"] == len(data)
    assert metrics["slices"]["region=EU"]["rows"] == int(eu.sum())
    assert metrics["bootstrap"] == {
        "method": "paired percentile",
        "resamples": 400,
        "confidence": 0.95,
    }
    auc = metrics["slices"]["all"]["metrics"]["roc_auc"]
    assert set(auc) == {"candidate", "baseline"}
    recall = next(c for c in metrics["comparisons"] if c["metric"] == "recall")
    assert recall["slice"] == "region=EU" and recall["rows"] == int(eu.sum())
    assert recall["resamples"] == 400 and recall["interval"][0] <= recall["interval"][1]
    assert recall["better_than_baseline_by"] == 0.1
    mcnemar = metrics["slices"]["region=EU"]["mcnemar"]
    assert mcnemar["p_value"] == pytest.approx(
        stats.binomtest(
            mcnemar["baseline_only_correct"],
            mcnemar["baseline_only_correct"] + mcnemar["candidate_only_correct"],
        ).pvalue
    )


def test_the_same_seed_gives_bit_identical_intervals_in_another_process(
    data: pd.DataFrame, write: Write, project_dir: Path
) -> None:
    result = run(write, scenario("{column: v2_score}"), with_before=False, artifacts=False)
    here = [[float(v).hex() for v in c["interval"]] for c in result.fixed.metrics["comparisons"]]
    program = (
        "import json\n"
        "from closeout.loader import load_scenario\n"
        "from closeout.project import load_project\n"
        "from closeout.runner import run_loaded\n"
        "p = load_project()\n"
        "r = run_loaded(load_scenario(p, p.root / 'scenarios/INC-1/shadow.yaml'), p,"
        " with_before=False, artifacts=False)\n"
        "print(json.dumps([[float(v).hex() for v in c['interval']]"
        " for c in r.fixed.metrics['comparisons']]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        cwd=project_dir,
        check=True,
    )
    assert json.loads(done.stdout) == here


# --------------------------------------------------------------------------- other tasks


def test_multiclass_from_a_callable_returning_probabilities(
    project_dir: Path, write: Write
) -> None:
    rng = np.random.default_rng(4)
    n = 300
    frame = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    frame["kind"] = np.select([frame["a"] > 0.5, frame["b"] > 0.0], ["x", "y"], "z")
    frame["old"] = np.where(frame["a"] > 0.9, "x", "z")
    frame.to_csv(project_dir / "traffic.csv", index=False)
    write(
        "tools/mc.py",
        """\
        import numpy as np

        def probabilities(frame):
            x = (frame["a"] > 0.5).to_numpy()
            y = ~x & (frame["b"] > 0.0).to_numpy()
            matrix = np.full((len(frame), 3), 0.05)
            matrix[x, 0] = matrix[y, 1] = 0.9
            matrix[~x & ~y, 2] = 0.9
            return matrix
        """,
    )
    text = """\
        action: A1
        kind: shadow
        data: traffic.csv
        label: kind
        task: multiclass
        average: weighted
        features: [a, b]
        baseline: {column: old}
        candidate: {callable: "tools/mc.py:probabilities"}
        bootstrap: {resamples: 200}
        expect:
          - {metric: f1, better_than_baseline: {by: 0.1}}
          - {metric: accuracy, at_least: 0.99}
        """
    result = run(write, textwrap.dedent(text), artifacts=False)
    assert result.verdict == "pass", result.fixed.error
    table = result.fixed.metrics["slices"]["all"]["metrics"]
    assert table["log_loss"]["baseline"] is None  # labels only: no probabilities
    assert table["log_loss"]["candidate"] is not None


# --------------------------------------------------------------------------- undefined metrics


def test_undefined_metric_on_a_slice_is_an_error_naming_it(
    data: pd.DataFrame, write: Write
) -> None:
    data["site"] = np.where(data["churned"] == 1, "north", "south")
    data.to_csv("fixtures/INC-1/traffic.csv", index=False)
    text = scenario("{column: v2_score}").replace(
        "  - metric: roc_auc\n", "  - metric: roc_auc\n    where: {site: north}\n"
    )
    result = run(write, text, artifacts=False)
    assert "roc_auc is undefined on slice site=north" in (result.fixed.error or "")


def test_a_metric_undefined_on_a_slice_it_does_not_judge_stays_a_number_in_evidence(
    data: pd.DataFrame, write: Write
) -> None:
    data["site"] = np.where(data["churned"] == 1, "north", "south")
    data.to_csv("fixtures/INC-1/traffic.csv", index=False)
    text = scenario("{column: v2_score}").replace(
        "  - metric: agreement\n", "  - metric: accuracy\n    where: {site: north}\n"
    )
    result = run(write, text, with_before=False, artifacts=False)
    assert result.verdict == "pass", result.fixed.error
    # roc_auc of one class is NaN, not "not defined" (None is kept for that: log_loss of labels)
    auc = result.fixed.metrics["slices"]["site=north"]["metrics"]["roc_auc"]
    assert math.isnan(auc["candidate"]) and math.isnan(auc["baseline"])
    project = load_project()
    path = evidence.write_record(project, evidence.run_record(result, project, "manual"), "x")
    sealed = evidence.read_record(path)["metrics"]["slices"]["site=north"]["metrics"]["roc_auc"]
    assert is_nonfinite_marker(sealed["candidate"])
    assert math.isnan(decode_number(sealed["candidate"]) or 0.0)

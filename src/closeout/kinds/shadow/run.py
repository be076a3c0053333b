"""Running a ``shadow`` scenario: load labels and predictions, estimate, bootstrap, judge."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from closeout.errors import DataError
from closeout.kind import KindResult, RunContext
from closeout.kinds.shadow import bootstrap, metrics
from closeout.kinds.shadow.chart import difference_chart
from closeout.kinds.shadow.data import load_data, load_output, slice_rows
from closeout.kinds.shadow.encode import Output, Truth
from closeout.kinds.shadow.spec import (
    LOWER_IS_BETTER,
    MlflowPredictions,
    ShadowExpectation,
    ShadowScenario,
)
from closeout.kinds.shadow.verdicts import Estimate, judge
from closeout.models import Outcome

_REPORTED = {
    "binary": (
        "accuracy",
        "precision",
        "recall",
        "f1",
        "roc_auc",
        "log_loss",
        "positive_rate",
    ),
    "multiclass": ("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss"),
    "regression": ("mae", "rmse", "mape", "r2"),
}


@dataclass
class SliceRun:
    """One slice's rows, labels and both models' predictions on them."""

    key: str
    rows: int
    data: metrics.Slice
    candidate: Output
    baseline: Output


def run(scenario: ShadowScenario, candidate_source: Any, context: RunContext) -> KindResult:
    """Compare ``candidate_source`` with the baseline on every expectation's slice."""
    loaded = load_data(scenario, context.project, context.scenario_display)
    candidate = load_output(candidate_source, "candidate", scenario, loaded, context.project)
    baseline = load_output(scenario.baseline, "baseline", scenario, loaded, context.project)
    estimates: dict[int, Estimate] = {}
    slices: dict[str, Any] = {}
    comparisons: list[dict[str, Any]] = []
    groups = _by_slice(scenario.expect)
    drawn = _progress(scenario, groups, context)
    for key, group in groups.items():
        rows = slice_rows(group[0][1], loaded)
        part = SliceRun(
            key,
            len(rows),
            metrics.Slice(_take(loaded.truth, rows)),
            candidate.take(rows),
            baseline.take(rows),
        )
        slices[key] = _summary(scenario, part)
        found = _estimates(scenario, part, [e for _, e in group], context.seed, drawn)
        for index, expectation in group:
            estimates[index] = found[expectation.metric]
            if expectation.non_inferior or expectation.better_than_baseline:
                comparisons.append(_comparison(index, expectation, found[expectation.metric]))
    outcomes: list[Outcome] = []
    for index, expectation in enumerate(scenario.expect):
        judged = judge(expectation, estimates[index])
        outcomes += judged
        for entry in comparisons:
            if entry["expectation"] == index:
                entry["outcomes"] = {o.name: o.outcome for o in judged}
    summary = _metrics(scenario, len(loaded.frame), candidate, baseline, slices, comparisons)
    # An MLflow model's URI, resolved version, run id and folder sha256 (SPEC §13).
    for role, source in (("candidate", candidate_source), ("baseline", scenario.baseline)):
        if isinstance(source, MlflowPredictions):
            summary[role]["mlflow"] = loaded.models[source.mlflow]
    # ... and what each resolved to, for the evidence's ``inputs.resolved`` and staleness.
    result = KindResult(outcomes, summary, inputs=dict(loaded.resolved))
    if context.artifacts_dir is not None and comparisons:
        path = context.artifacts_dir / f"{context.artifact_prefix}-{context.side}.svg"
        title = f"{context.incident} / {context.scenario_name}: {context.side} candidate"

        def chart() -> list[str]:
            difference_chart(path, comparisons, title)
            return [context.project.display(path)]

        result.write_artifacts = chart
    return result


def _by_slice(
    expectations: list[ShadowExpectation],
) -> dict[str, list[tuple[int, ShadowExpectation]]]:
    groups: dict[str, list[tuple[int, ShadowExpectation]]] = {}
    for index, expectation in enumerate(expectations):
        groups.setdefault(expectation.slice_key(), []).append((index, expectation))
    return groups


def _progress(
    scenario: ShadowScenario,
    groups: dict[str, list[tuple[int, ShadowExpectation]]],
    context: RunContext,
) -> Callable[[int], None]:
    """Counts resamples drawn over every slice that is compared, for ``context.progress``."""
    compared = [g for g in groups.values() if any(_compares(e) for _, e in g)]
    total = len(compared) * scenario.bootstrap.resamples
    done = [0]

    def drawn(count: int) -> None:
        done[0] += count
        context.progress(done[0], total, "resamples")

    return drawn


def _compares(expectation: ShadowExpectation) -> bool:
    return bool(expectation.non_inferior or expectation.better_than_baseline)


def _take(truth: Truth, rows: np.ndarray) -> Truth:
    return Truth(truth.task, truth.y[rows], truth.classes, truth.positive)


# --------------------------------------------------------------------------- estimates


def _estimates(
    scenario: ShadowScenario,
    part: SliceRun,
    expectations: list[ShadowExpectation],
    seed: int,
    drawn: Callable[[int], None],
) -> dict[str, Estimate]:
    """Point estimates of every metric the slice's expectations name, and their intervals."""
    compared: list[str] = sorted({e.metric for e in expectations if _compares(e)})
    # Point estimates first: an undefined metric is reported as such, not as a bootstrap issue.
    points = {
        metric: _points(scenario, part, metric) for metric in {e.metric for e in expectations}
    }
    intervals = _intervals(scenario, part, compared, seed, drawn)
    found: dict[str, Estimate] = {}
    for metric in sorted(points):
        candidate, baseline = points[metric]
        interval = intervals.get(metric)
        found[metric] = Estimate(
            metric,
            part.key,
            part.rows,
            candidate,
            baseline,
            low=interval.low if interval else None,
            high=interval.high if interval else None,
            confidence=scenario.bootstrap.confidence,
            resamples=interval.resamples if interval else 0,
            undefined=interval.undefined if interval else 0,
        )
    return found


def _points(scenario: ShadowScenario, part: SliceRun, metric: str) -> tuple[float, float | None]:
    if metric == "agreement":
        return metrics.agreement(part.data, part.candidate, part.baseline), None
    values = []
    for output in (part.candidate, part.baseline):
        value = metrics.point(metric, part.data, output, scenario.average)
        if not np.isfinite(value):
            raise DataError(
                f"{scenario.data}: {metric} is undefined on slice {part.key} "
                f"({part.rows} rows): {_why_undefined(metric, scenario)}"
            )
        values.append(value)
    return values[0], values[1]


def _why_undefined(metric: str, scenario: ShadowScenario) -> str:
    if metric == "roc_auc":
        return f"its rows hold a single class of '{scenario.label}' (for some class)"
    return "the metric cannot be computed on these rows"


def _intervals(
    scenario: ShadowScenario,
    part: SliceRun,
    compared: list[str],
    seed: int,
    drawn: Callable[[int], None],
) -> dict[str, bootstrap.Interval]:
    if not compared:
        return {}

    def improvements(sample: metrics.Sample) -> np.ndarray:
        columns = []
        for metric in compared:
            delta = metrics.difference(
                metric, sample, part.data, part.candidate, part.baseline, scenario.average
            )
            columns.append(-delta if metric in LOWER_IS_BETTER else delta)
        return np.stack(columns, axis=1)

    rng = bootstrap.generator(seed, part.key)
    resamples = scenario.bootstrap.resamples
    spread = bootstrap.distribution(improvements, part.rows, resamples, rng, drawn=drawn)
    found = {}
    for column, metric in enumerate(compared):
        interval = bootstrap.percentile_interval(spread[:, column], scenario.bootstrap.confidence)
        if not np.isfinite(interval.low):
            raise DataError(
                f"{scenario.data}: {metric} is undefined on every resample of slice "
                f"{part.key} ({part.rows} rows)"
            )
        found[metric] = interval
    return found


# --------------------------------------------------------------------------- evidence


def _summary(scenario: ShadowScenario, part: SliceRun) -> dict[str, Any]:
    """Rows, point estimates of every metric of the task, agreement and McNemar."""
    table: dict[str, Any] = {}
    for metric in _REPORTED[scenario.task]:
        row: dict[str, float | None] = {}
        for role, output in (("candidate", part.candidate), ("baseline", part.baseline)):
            try:
                # A NaN (roc_auc on a slice of one class) stays a float: evidence writes it
                # by the one non-finite policy (closeout._numbers), not as null.
                row[role] = metrics.point(metric, part.data, output, scenario.average)
            except DataError:
                row[role] = None  # not defined: e.g. log_loss of class labels
        table[metric] = row
    summary: dict[str, Any] = {"rows": part.rows, "metrics": table}
    if scenario.task != "regression":
        summary["agreement"] = metrics.agreement(part.data, part.candidate, part.baseline)
        summary["mcnemar"] = _mcnemar(part)
        counts = np.bincount(part.data.truth.y, minlength=len(part.data.truth.classes))
        summary["label_counts"] = {
            str(c): int(k) for c, k in zip(part.data.truth.classes, counts, strict=True)
        }
    return summary


def _mcnemar(part: SliceRun) -> dict[str, Any]:
    y = part.data.truth.y
    assert part.candidate.decisions is not None
    assert part.baseline.decisions is not None
    candidate_right = part.candidate.decisions == y
    baseline_right = part.baseline.decisions == y
    baseline_only = int((baseline_right & ~candidate_right).sum())
    candidate_only = int((candidate_right & ~baseline_right).sum())
    return {
        "baseline_only_correct": baseline_only,
        "candidate_only_correct": candidate_only,
        "p_value": bootstrap.mcnemar_exact(baseline_only, candidate_only),
    }


def _comparison(index: int, expectation: ShadowExpectation, estimate: Estimate) -> dict[str, Any]:
    assert estimate.baseline is not None
    rules: dict[str, float] = {}
    if expectation.non_inferior is not None:
        rules["non_inferior_margin"] = expectation.non_inferior.margin
    if expectation.better_than_baseline is not None:
        rules["better_than_baseline_by"] = expectation.better_than_baseline.by
    return {
        "expectation": index,
        "metric": estimate.metric,
        "slice": estimate.slice_key,
        "rows": estimate.rows,
        "candidate": estimate.candidate,
        "baseline": estimate.baseline,
        "difference": estimate.candidate - estimate.baseline,
        "improvement": estimate.improvement,
        "lower_is_better": estimate.metric in LOWER_IS_BETTER,
        "interval": [estimate.low, estimate.high],
        "confidence": estimate.confidence,
        "resamples": estimate.resamples,
        "undefined_resamples": estimate.undefined,
        **rules,
    }


def _metrics(
    scenario: ShadowScenario,
    rows: int,
    candidate: Output,
    baseline: Output,
    slices: dict[str, Any],
    comparisons: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "task": scenario.task,
        "label": scenario.label,
        "rows": rows,
        "candidate": {"source": candidate.source, "form": candidate.form},
        "baseline": {"source": baseline.source, "form": baseline.form},
        "decision_threshold": scenario.decision_threshold
        if scenario.decision_threshold is not None
        else (0.5 if scenario.task == "binary" else None),
        "average": scenario.average if scenario.task == "multiclass" else None,
        "bootstrap": {
            "method": "paired percentile",
            "resamples": scenario.bootstrap.resamples,
            "confidence": scenario.bootstrap.confidence,
        },
        "slices": slices,
        "comparisons": comparisons,
    }

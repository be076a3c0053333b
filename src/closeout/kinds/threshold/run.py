"""Running one side of a ``threshold`` scenario: load the series, evaluate the rules on the
evaluation grid (``promql``), judge every expectation, and hand back the chart (``chart``).

The engine module ``kind.py`` names: imported only when a scenario runs. Data files are read
through the toolkit, which imports pandas inside its functions.
"""

from __future__ import annotations

import itertools
from typing import Any

from closeout._numbers import encode_float
from closeout._time import format_duration_ms, from_ms, iso_z, to_ms
from closeout.errors import DataError
from closeout.kind import KindResult, RunContext
from closeout.kinds._toolkit.data import numeric_values, read_frame, timestamps_ms
from closeout.kinds.threshold import promql
from closeout.kinds.threshold.chart import threshold_chart
from closeout.kinds.threshold.spec import (
    ExpectAt,
    Expectation,
    ExpectFirstFires,
    FileSeries,
    Rule,
    ThresholdScenario,
    expectation_time,
)
from closeout.models import Outcome
from closeout.project import Project

# Every grid point is evaluated in pure Python and recorded in the evidence: this bounds both.
MAX_EVALUATIONS = 2_000_000


def run(scenario: ThresholdScenario, rules: list[Rule], context: RunContext) -> KindResult:
    """Evaluate ``rules`` over the scenario's series and judge every expectation."""
    start_ms, series = load_series(scenario, context.project)
    grid = _grid(scenario, rules, series, start_ms)
    traces = {rule.alert: _evaluate(rule, series, grid, scenario.lookback) for rule in rules}
    outcomes = [_judge(e, traces, start_ms, scenario.interval) for e in scenario.expect]
    metrics = _metrics(scenario, rules, series, traces, grid, start_ms)
    result = KindResult(outcomes=outcomes, metrics=metrics)
    if context.artifacts_dir is not None:
        path = context.artifacts_dir / f"{context.artifact_prefix}-{context.side}.svg"
        title = f"{context.incident} / {context.scenario_name}"

        def chart() -> list[str]:
            threshold_chart(
                path, scenario, rules, series, traces, grid, start_ms, context.side, title=title
            )
            return [context.project.display(path)]

        result.write_artifacts = chart
    return result


def load_series(
    scenario: ThresholdScenario, project: Project
) -> tuple[int, dict[str, promql.Series]]:
    """Every series as samples in epoch ms; the start defaults to the earliest file sample."""
    from_files = {
        name: _read_file_series(name, spec, project)
        for name, spec in scenario.series.items()
        if isinstance(spec, FileSeries)
    }
    if scenario.start is not None:
        start_ms = to_ms(scenario.start)
    elif from_files:
        start_ms = min(s.times[0] for s in from_files.values() if s.times)
    else:
        start_ms = 0
    series: dict[str, promql.Series] = {}
    for name, spec in scenario.series.items():
        if isinstance(spec, FileSeries):
            series[name] = from_files[name]
        else:
            series[name] = promql.parse_series(spec, start_ms, scenario.interval, name)
    return start_ms, series


def _read_file_series(name: str, spec: FileSeries, project: Project) -> promql.Series:
    """One series from a CSV/Parquet column: sorted, gaps dropped, duplicate times refused."""
    try:
        path = project.resolve_inside(spec.file)
    except ValueError as exc:
        raise DataError(f"series.{name}.file: {exc}") from None
    frame = read_frame(path, spec.file)
    times = timestamps_ms(frame, spec.timestamp, spec.file)
    values = numeric_values(frame, spec.column, spec.file)
    # An empty cell is a missing sample (like `_`), not a value.
    pairs = sorted((t, v) for t, v in zip(times, values, strict=True) if v is not None)
    for (t1, _), (t2, _) in itertools.pairwise(pairs):
        if t1 == t2:
            raise DataError(
                f"{spec.file}: column '{spec.timestamp}': duplicate timestamp "
                f"{iso_z(from_ms(t1))} for series '{name}'"
            )
    if not pairs:
        raise DataError(f"{spec.file}: column '{spec.column}' has no values")
    return promql.Series(name, tuple(t for t, _ in pairs), tuple(v for _, v in pairs))


def _evaluate(
    rule: Rule, series: dict[str, promql.Series], grid: range, lookback: int
) -> promql.AlertTrace:
    """The alerting state machine for one rule at every point of the grid."""
    expr = promql.parse_expr(rule.expr)
    return promql.evaluate_alert(expr, series, grid, rule.for_, rule.keep_firing_for, lookback)


def _grid(
    scenario: ThresholdScenario, rules: list[Rule], series: dict[str, promql.Series], start_ms: int
) -> range:
    """Evaluation times from ``start``: past the last sample's lookback and every
    ``keep_firing_for``, and far enough to reach every expectation's time."""
    last_sample = max((s.times[-1] for s in series.values() if s.times), default=start_ms)
    hold = max((rule.keep_firing_for for rule in rules), default=0)
    end = last_sample + scenario.lookback + hold + scenario.interval
    for expectation in scenario.expect:
        when = expectation_time(expectation)
        if when is not None:
            end = max(end, when.resolve(start_ms))
    count = (end - start_ms) // scenario.interval + 1
    if count > MAX_EVALUATIONS:
        raise DataError(
            f"{count} evaluations of every {format_duration_ms(scenario.interval)}: "
            f"more than {MAX_EVALUATIONS}; use a longer interval or a shorter period"
        )
    return range(start_ms, start_ms + max(count, 1) * scenario.interval, scenario.interval)


def _show(t: int, start_ms: int) -> str:
    """A time as its offset from start, plus the timestamp when the grid is anchored (not 0)."""
    offset = format_duration_ms(t - start_ms)
    return f"{offset} ({iso_z(from_ms(t))})" if start_ms else offset


def _judge(
    expectation: Expectation, traces: dict[str, promql.AlertTrace], start_ms: int, interval: int
) -> Outcome:
    trace = traces.get(expectation.alert, promql.AlertTrace())
    first = trace.first_firing()
    if isinstance(expectation, ExpectAt):
        t = expectation.at.resolve(start_ms)
        firing = trace.firing_at_grid(t)
        return Outcome(
            name=f"{expectation.alert} at {_show(t, start_ms)}",
            outcome="pass" if firing == expectation.firing else "fail",
            observed="firing" if firing else "not firing",
            target="firing" if expectation.firing else "not firing",
            detail="" if expectation.alert in traces else "no such rule in this state",
        )
    if isinstance(expectation, ExpectFirstFires):
        target = expectation.first_fires_at.resolve(start_ms)
        ok = first is not None and first <= target < first + interval
        return Outcome(
            name=f"{expectation.alert} first fires at",
            outcome="pass" if ok else "fail",
            observed=_show(first, start_ms) if first is not None else "never fires",
            target=_show(target, start_ms),
        )
    return Outcome(
        name=f"{expectation.alert} never fires",
        outcome="pass" if first is None else "fail",
        observed="never fires" if first is None else f"fires at {_show(first, start_ms)}",
        target="never fires",
    )


def _metrics(
    scenario: ThresholdScenario,
    rules: list[Rule],
    series: dict[str, promql.Series],
    traces: dict[str, promql.AlertTrace],
    grid: range,
    start_ms: int,
) -> dict[str, Any]:
    lookback = scenario.lookback
    alerts: dict[str, Any] = {}
    for rule in rules:
        trace = traces[rule.alert]
        first = trace.first_firing()
        alerts[rule.alert] = {
            "expr": rule.expr,
            "for": format_duration_ms(rule.for_),
            "keep_firing_for": format_duration_ms(rule.keep_firing_for),
            "first_fires_at": iso_z(from_ms(first)) if first is not None else None,
            "first_fires_after": format_duration_ms(first - start_ms)
            if first is not None
            else None,
            "firing_intervals": [
                [iso_z(from_ms(a)), iso_z(from_ms(b)) if b is not None else None]
                for a, b in trace.intervals(scenario.interval)
            ],
        }
    evaluated = {
        name: [_sample(s.value_at(t, lookback)) for t in grid] for name, s in series.items()
    }
    return {
        "start": iso_z(from_ms(start_ms)),
        "interval": format_duration_ms(scenario.interval),
        "lookback": format_duration_ms(lookback),
        "evaluations": len(grid),
        "alerts": alerts,
        "evaluated_series": evaluated,
    }


def _sample(value: float | None) -> float | str | None:
    """A value for evidence: None where the series has no sample, non-finite per SPEC §15."""
    return None if value is None else encode_float(value)

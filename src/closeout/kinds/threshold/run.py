"""Running one side of a ``threshold`` scenario: load the series, resolve the rules under
test (``subject``), evaluate them on the evaluation grid with the chosen engine
(``engines``: closeout's ``promql`` or the real promtool), judge every expectation
(``judge``), and hand back the chart (``chart``).

The engine module ``kind.py`` names: imported only when a scenario runs. Data files are read
through the toolkit, which imports pandas inside its functions.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from closeout._numbers import encode_float
from closeout._time import format_duration_ms, from_ms, iso_z, to_ms
from closeout._yaml import LineDict, load_file
from closeout.errors import CloseoutError, DataError
from closeout.kind import KindResult, RunContext
from closeout.kinds._toolkit.data import numeric_values, read_frame, timestamps_ms
from closeout.kinds.threshold import promql, testfile
from closeout.kinds.threshold.chart import threshold_chart
from closeout.kinds.threshold.engines import closeout_engine, notation_of, promtool_engine
from closeout.kinds.threshold.judge import Observation, alert_metrics, judge
from closeout.kinds.threshold.promtool import INSTALL_HINT, find_promtool
from closeout.kinds.threshold.rules_file import AlertRule
from closeout.kinds.threshold.source import SourceError
from closeout.kinds.threshold.spec import FileSeries, ThresholdScenario, expectation_time
from closeout.kinds.threshold.subject import (
    RuleSet,
    Subject,
    choose_engine,
    group_interval_problem,
    resolve,
)
from closeout.project import Project

# Every grid point is evaluated in pure Python and recorded in the evidence: this bounds both.
MAX_EVALUATIONS = 2_000_000


@dataclass(frozen=True)
class Evaluation:
    """One state's rules evaluated over the scenario's series."""

    start_ms: int
    series: dict[str, promql.Series]
    rules: RuleSet
    engine: str
    grid: range
    observed: Observation


def run(scenario: ThresholdScenario, subject: Subject, context: RunContext) -> KindResult:
    """Evaluate the subject's rules over the scenario's series and judge every expectation."""
    found = evaluate(scenario, subject, context.project, lambda: _where(scenario, context))
    start_ms, observed = found.start_ms, found.observed
    outcomes = [judge(e, observed, start_ms, scenario.interval) for e in scenario.expect]
    legacy = found.rules.inline and found.engine == "closeout"
    metrics = _metrics(scenario, found, legacy)
    if not legacy:
        metrics = {"engine": found.engine, **_provenance(found.rules), **metrics}
    result = KindResult(outcomes=outcomes, metrics=metrics)
    if context.artifacts_dir is not None:
        path = context.artifacts_dir / f"{context.artifact_prefix}-{context.side}.svg"
        title = f"{context.incident} / {context.scenario_name}"
        traces = {name: alert.any_instance() for name, alert in observed.items()}

        def chart() -> list[str]:
            threshold_chart(
                path,
                scenario,
                found.rules.alerts,
                found.series,
                traces,
                found.grid,
                start_ms,
                context.side,
                title,
            )
            return [context.project.display(path)]

        result.write_artifacts = chart
    return result


def evaluate(
    scenario: ThresholdScenario, subject: Subject, project: Project, where: Callable[[], str]
) -> Evaluation:
    """Load the series, resolve the rules, choose the engine and evaluate. ``where`` names
    the subject's ``file:line`` for the messages of the DataErrors raised."""
    start_ms, series = load_series(scenario, project)
    try:
        rules = resolve(subject, project, scenario.alerts)
    except SourceError as exc:
        raise DataError(f"{where()}: rules_file: {exc}") from None
    choice = choose_engine(scenario, rules)
    problem = choice.problem or group_interval_problem(scenario, rules)
    if problem is not None:
        raise DataError(f"{where()}: {problem}")
    grid = evaluation_grid(scenario, rules.alerts, series, start_ms)
    if choice.engine == "closeout":
        observed = closeout_engine(rules.alerts, series, grid, scenario.lookback)
        return Evaluation(start_ms, series, rules, "closeout", grid, observed)
    binary = find_promtool()
    if binary is None:
        raise DataError(
            f"{where()}: {choice.reason}: it needs promtool, which is not on PATH ({INSTALL_HINT})"
        )
    inputs = testfile.inputs(notation_of(scenario.series), series, start_ms, scenario.interval)
    observed = promtool_engine(binary, rules.alerts, rules.text, inputs, grid, scenario.interval)
    return Evaluation(start_ms, series, rules, "promtool", grid, observed)


def _provenance(rules: RuleSet) -> dict[str, Any]:
    return {"rules_file": rules.source.provenance()} if rules.source is not None else {}


def _where(scenario: ThresholdScenario, context: RunContext) -> str:
    """``file:line`` of the subject of this side in the scenario file."""
    key = "rules_file" if _side_subject_is_file(scenario, context.side) else "rules"
    keys: tuple[str, ...] = ("before", key) if context.side == "before" else (key,)
    display = context.scenario_display
    try:
        raw = load_file(context.project.root / display, display)
    except CloseoutError:
        return display
    line = 0
    for part in keys:
        if not isinstance(raw, LineDict) or part not in raw:
            break
        line, raw = raw.line_of(part), raw[part]
    return f"{display}:{line}" if line else display


def _side_subject_is_file(scenario: ThresholdScenario, side: str) -> bool:
    holder = scenario.before if side == "before" and scenario.before is not None else scenario
    return holder.rules_file is not None


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
    column = spec.column_for(name)
    values = numeric_values(frame, column, spec.file)
    # An empty cell is a missing sample (like `_`), not a value.
    pairs = sorted((t, v) for t, v in zip(times, values, strict=True) if v is not None)
    for (t1, _), (t2, _) in itertools.pairwise(pairs):
        if t1 == t2:
            raise DataError(
                f"{spec.file}: column '{spec.timestamp}': duplicate timestamp "
                f"{iso_z(from_ms(t1))} for series '{name}'"
            )
    if not pairs:
        raise DataError(f"{spec.file}: column '{column}' has no values")
    return promql.Series(name, tuple(t for t, _ in pairs), tuple(v for _, v in pairs))


def evaluation_grid(
    scenario: ThresholdScenario,
    rules: list[AlertRule],
    series: dict[str, promql.Series],
    start_ms: int,
) -> range:
    """Evaluation times from ``start``: past the last sample's lookback and every
    ``keep_firing_for``, and far enough to reach every expectation's time."""
    last_sample = max((s.times[-1] for s in series.values() if s.times), default=start_ms)
    hold = max((rule.keep_firing_for_ms for rule in rules), default=0)
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


def _metrics(scenario: ThresholdScenario, found: Evaluation, legacy: bool) -> dict[str, Any]:
    """Grid, each alert's firing (per instance unless ``legacy``), every evaluated series."""
    lookback, grid = scenario.lookback, found.grid
    evaluated = {
        name: [_sample(s.value_at(t, lookback)) for t in grid] for name, s in found.series.items()
    }
    alerts = {
        name: alert_metrics(alert, found.start_ms, scenario.interval, instances=not legacy)
        for name, alert in found.observed.items()
    }
    return {
        "start": iso_z(from_ms(found.start_ms)),
        "interval": format_duration_ms(scenario.interval),
        "lookback": format_duration_ms(lookback),
        "evaluations": len(grid),
        "alerts": alerts,
        "evaluated_series": evaluated,
    }


def _sample(value: float | None) -> float | str | None:
    """A value for evidence: None where the series has no sample, non-finite per SPEC §15."""
    return None if value is None else encode_float(value)

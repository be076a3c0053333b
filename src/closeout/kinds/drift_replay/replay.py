"""Replaying a scenario's data through a monitor: load, cut into windows, score, judge.

``replay_scenario`` returns a ``Replay``: everything one side (fixed or before) computed,
which ``run`` turns into outcomes and metrics and ``artifacts`` into charts and a report.
"""

from __future__ import annotations

from dataclasses import dataclass

from closeout._time import format_duration_ms, from_ms, iso_z, to_ms
from closeout.errors import DataError
from closeout.kind import RunContext
from closeout.kinds._toolkit.data import parse_timestamps
from closeout.kinds.drift_replay.data import (
    ColumnKind,
    Table,
    check_column,
    load_table,
    monitored_columns,
)
from closeout.kinds.drift_replay.expect import Detection
from closeout.kinds.drift_replay.scoring import ColumnScorer
from closeout.kinds.drift_replay.spec import DriftMonitor, DriftReplayScenario
from closeout.kinds.drift_replay.verdict import Period, WindowResult, judge_windows
from closeout.kinds.drift_replay.windows import cut
from closeout.models import suggest


@dataclass
class Replay:
    """Everything one side of a scenario computed, for expectations, metrics and artifacts."""

    scenario: DriftReplayScenario
    monitor: DriftMonitor
    reference: Table
    current: Table
    scorers: dict[str, ColumnScorer]
    incident: Period
    control: Period | None
    detection: Detection
    left_out: list[str]


def replay_scenario(
    scenario: DriftReplayScenario, monitor: DriftMonitor, context: RunContext
) -> Replay:
    """Load the files, score every window of the incident and control periods, judge them."""
    project = context.project
    reference = load_table(project, scenario.reference, "reference")
    current = load_table(project, scenario.current, "current")
    control = (
        load_table(project, scenario.control, "control") if scenario.control is not None else None
    )
    tables = [reference, current] + ([control] if control is not None else [])
    names, left_out = monitored_columns(monitor.columns, reference, current, scenario.timestamp)
    unknown = sorted(set(monitor.per_column or {}) - set(names))
    if unknown:
        # With `columns` given lint catches this; without it only the data says what is
        # monitored, and a silently ignored override would test with the wrong method.
        raise DataError(
            f"monitor.per_column: {', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} "
            f"not monitored{suggest(unknown[0], names)}; monitored columns: {', '.join(names)}"
        )
    _check_alert_rule(monitor, names)
    kinds = {name: check_column(name, tables) for name in names}
    scorers = {name: _scorer(name, kinds[name], monitor, reference, context.seed) for name in names}
    incident = replay_period(current, scenario, monitor, scorers)
    control_period = (
        replay_period(control, scenario, monitor, scorers) if control is not None else None
    )
    onset = to_ms(scenario.onset or context.postmortem.started_at)
    detection = Detection(
        onset=onset,
        detected=to_ms(context.postmortem.detected_at),
        firings=incident.firings,
        data_end=incident.windows[-1].window.end,
    )
    _check_onset(detection, current)
    return Replay(
        scenario,
        monitor,
        reference,
        current,
        scorers,
        incident,
        control_period,
        detection,
        left_out,
    )


def _scorer(
    name: str, kind: ColumnKind, monitor: DriftMonitor, reference: Table, seed: int
) -> ColumnScorer:
    method, threshold = monitor.test_for(name)
    override = monitor.per_column.get(name)
    source = (
        f"monitor.per_column.{name}.method"
        if override is not None and override.method is not None
        else "monitor.method"
    )
    return ColumnScorer(
        column=name,
        kind=kind,
        method=method,
        threshold=threshold,
        reference_raw=reference.column(name),
        source=source,
        reference_display=reference.display,
        seed=seed,
    )


def replay_period(
    table: Table,
    scenario: DriftReplayScenario,
    monitor: DriftMonitor,
    scorers: dict[str, ColumnScorer],
) -> Period:
    """Cut one file into windows and judge each one."""
    times = parse_timestamps(table.frame, scenario.timestamp, table.display)
    windows = cut(times, scenario.window, table.display)
    values = {name: table.column(name).to_numpy() for name in scorers}
    results: list[WindowResult] = []
    for window in windows:
        if window.count < scenario.min_rows:
            results.append(WindowResult(window, skipped=True))
            continue
        result = WindowResult(window, skipped=False)
        for name, scorer in scorers.items():
            cell = scorer.score(values[name][window.rows])
            if cell is None:
                result.empty_columns.append(name)
            else:
                result.cells[name] = cell
        results.append(result)
    if all(r.skipped for r in results):
        largest = max(w.count for w in windows)
        raise DataError(
            f"{table.display}: no {format_duration_ms(scenario.window)} window has at least "
            f"min_rows={scenario.min_rows} rows (the largest has {largest}); lower min_rows "
            "or use a longer window"
        )
    judge_windows(results, monitor)
    return Period(table.role, table.display, results)


def _check_alert_rule(monitor: DriftMonitor, names: list[str]) -> None:
    wanted = monitor.alert_when.drifted_columns
    if wanted is not None and wanted > len(names):
        raise DataError(
            f"monitor.alert_when.drifted_columns is {wanted} but the monitor watches "
            f"{len(names)} column{'s' if len(names) != 1 else ''} ({', '.join(names)}): "
            "it could never alert"
        )


def _check_onset(detection: Detection, current: Table) -> None:
    if detection.onset >= detection.data_end:
        raise DataError(
            f"{current.display}: the onset {iso_z(from_ms(detection.onset))} is after the last "
            f"window (ends {iso_z(from_ms(detection.data_end))}): there is nothing to detect; "
            "set `onset` or record the incident period"
        )

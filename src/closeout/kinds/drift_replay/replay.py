"""Replaying a scenario's data through a monitor: open, prepare, score each window, judge.

``replay_scenario`` opens the sources (``sources``), works out the monitored columns and
checks them (``columns``), prepares each column's reference once (``scoring``), scores the
incident and control periods window by window (``parallel``) and judges them (``verdict``).
It returns a ``Replay``: everything one side (fixed or before) computed, which ``run`` turns
into outcomes and metrics and ``artifacts`` into charts and the evidently snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass

from closeout._time import format_duration_ms, from_ms, iso_z, to_ms
from closeout.errors import DataError
from closeout.kind import RunContext
from closeout.kinds.drift_replay.columns import check_column, monitored_columns, no_values
from closeout.kinds.drift_replay.data import ColumnKind
from closeout.kinds.drift_replay.expect import Detection
from closeout.kinds.drift_replay.parallel import Tick, score_windows, worker_count
from closeout.kinds.drift_replay.scoring import ColumnScorer
from closeout.kinds.drift_replay.source import Source
from closeout.kinds.drift_replay.sources import open_source
from closeout.kinds.drift_replay.spec import DriftMonitor, DriftReplayScenario
from closeout.kinds.drift_replay.verdict import Period, judge_windows
from closeout.kinds.drift_replay.windows import Window
from closeout.models import suggest

ROLES = ("reference", "current", "control")


@dataclass
class Replay:
    """Everything one side of a scenario computed, for expectations, metrics and artifacts."""

    scenario: DriftReplayScenario
    monitor: DriftMonitor
    sources: dict[str, Source]  # by role: reference, current and (maybe) control
    scorers: dict[str, ColumnScorer]
    incident: Period
    control: Period | None
    detection: Detection
    left_out: list[str]


def replay_scenario(
    scenario: DriftReplayScenario, monitor: DriftMonitor, context: RunContext
) -> Replay:
    """Open the sources, score every window of the incident and control periods, judge them.

    When the replay fails, every source opened so far is released at once: a DuckDB file
    must not stay open (and locked against other connections) until garbage collection."""
    sources: dict[str, Source] = {}
    try:
        for role in ROLES:
            if getattr(scenario, role) is not None:
                sources[role] = open_source(context, getattr(scenario, role), role)
        return _replay(scenario, monitor, context, sources)
    except BaseException:
        for source in sources.values():
            source.release()
        raise


def _replay(
    scenario: DriftReplayScenario,
    monitor: DriftMonitor,
    context: RunContext,
    sources: dict[str, Source],
) -> Replay:
    reference, current = sources["reference"], sources["current"]
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
    kinds = {name: check_column(name, list(sources.values())) for name in names}
    scorers = _scorers(names, kinds, monitor, reference, context.seed)
    workers = context.project.workers
    for source in sources.values():
        # no open file or database (and none of its threads) crosses a fork into workers;
        # each source reopens what it needs in the process that reads
        source.release()
    control = sources.get("control")
    periods = [current] if control is None else [current, control]
    plans = [source.windows(scenario.timestamp, scenario.window) for source in periods]
    total = sum(len(plan) for plan in plans)
    done = 0
    judged = []
    for source, plan in zip(periods, plans, strict=True):

        def tick(count: int, before: int = done) -> None:
            context.progress(before + count, total, "windows")

        judged.append(replay_period(source, plan, scenario, monitor, scorers, workers, tick))
        done += len(plan)
    incident = judged[0]
    control_period = judged[1] if control is not None else None
    onset = to_ms(scenario.onset or context.postmortem.started_at)
    detection = Detection(
        onset=onset,
        detected=to_ms(context.postmortem.detected_at),
        firings=incident.firings,
        data_end=incident.windows[-1].window.end,
        windows=incident.windows,
    )
    _check_onset(detection, current)
    return Replay(
        scenario, monitor, sources, scorers, incident, control_period, detection, left_out
    )


def _scorers(
    names: list[str],
    kinds: dict[str, ColumnKind],
    monitor: DriftMonitor,
    reference: Source,
    seed: int,
) -> dict[str, ColumnScorer]:
    """One scorer per column, each holding its reference column prepared once."""
    values = reference.read_all(names)
    scorers = {}
    for name in names:
        if reference.streamed and bool(values[name].isna().all()):
            no_values(reference, name)
        method, threshold = monitor.test_for(name)
        override = monitor.per_column.get(name)
        source = (
            f"monitor.per_column.{name}.method"
            if override is not None and override.method is not None
            else "monitor.method"
        )
        scorers[name] = ColumnScorer(
            column=name,
            kind=kinds[name],
            method=method,
            threshold=threshold,
            reference_raw=values.pop(name),
            source=source,
            reference_display=reference.display,
            seed=seed,
        )
    return scorers


def replay_period(
    source: Source,
    windows: list[Window],
    scenario: DriftReplayScenario,
    monitor: DriftMonitor,
    scorers: dict[str, ColumnScorer],
    workers: int | None,
    tick: Tick | None = None,
) -> Period:
    """Score and judge each of a source's windows (``tick(done)`` as they are scored)."""
    count = worker_count(workers, source, windows, len(scorers))
    scored = score_windows(source, windows, scorers, scenario.min_rows, count, tick)
    results = scored.results
    if source.streamed:
        for name in scorers:
            if name not in scored.present:
                no_values(source, name)
    if all(r.skipped for r in results):
        largest = max(r.window.count for r in results)
        raise DataError(
            f"{source.display}: no {format_duration_ms(scenario.window)} window has at least "
            f"min_rows={scenario.min_rows} rows (the largest has {largest}); lower min_rows "
            "or use a longer window"
        )
    judge_windows(results, monitor)
    return Period(source.role, source.display, results)


def _check_alert_rule(monitor: DriftMonitor, names: list[str]) -> None:
    wanted = monitor.alert_when.drifted_columns
    if wanted is not None and wanted > len(names):
        raise DataError(
            f"monitor.alert_when.drifted_columns is {wanted} but the monitor watches "
            f"{len(names)} column{'s' if len(names) != 1 else ''} ({', '.join(names)}): "
            "it could never alert"
        )


def _check_onset(detection: Detection, current: Source) -> None:
    if detection.onset >= detection.data_end:
        raise DataError(
            f"{current.display}: the onset {iso_z(from_ms(detection.onset))} is after the last "
            f"window (ends {iso_z(from_ms(detection.data_end))}): there is nothing to detect; "
            "set `onset` or record the incident period"
        )

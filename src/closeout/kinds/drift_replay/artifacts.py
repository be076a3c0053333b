"""Artifacts of a drift replay: the SVG charts and evidently's report of the first firing."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from closeout._time import from_ms, iso_z
from closeout.kind import RunContext
from closeout.kinds.drift_replay.chart import drift_chart
from closeout.kinds.drift_replay.replay import Replay
from closeout.kinds.drift_replay.verdict import WindowResult


def write_artifacts(replay: Replay, context: RunContext, report: dict[str, Any]) -> list[str]:
    """Write the charts and the HTML report of one side; return project-relative paths.

    The runner calls this (as ``KindResult.write_artifacts``) after the verdict; it adds the
    first firing window's bounds to ``report`` as ``report_window``.
    """
    assert context.artifacts_dir is not None
    base = context.artifacts_dir / f"{context.artifact_prefix}-{context.side}"
    columns = list(replay.scorers)
    title = f"{context.incident} / {context.scenario_name}: {context.side} monitor"
    detection = replay.detection
    marks = {
        "onset": [detection.onset],
        "detected": [detection.detected],
        "false_alarm": detection.false_alarms,
        "fired": [detection.fired_at] if detection.fired_at is not None else [],
    }
    written = [base.with_name(base.name + ".svg")]
    drift_chart(written[0], replay.incident, columns, marks, title)
    if replay.control is not None:
        path = base.with_name(base.name + "-control.svg")
        control_marks = {"false_alarm": replay.control.firings}
        drift_chart(path, replay.control, columns, control_marks, f"{title} (control period)")
        written.append(path)
    first = next((w for w in replay.incident.windows if w.fires), None)
    if first is not None:
        path = base.with_name(base.name + "-first-firing.html")
        report["report_window"] = {
            "start": iso_z(from_ms(first.window.start)),
            "end": iso_z(from_ms(first.window.end)),
        }
        evidently_report(path, replay, first)
        written.append(path)
    return [context.project.display(p) for p in written]


def evidently_report(path: Path, replay: Replay, result: WindowResult) -> None:
    """evidently's data drift report of one window against the reference, as HTML."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from evidently import DataDefinition, Dataset, Report
        from evidently.presets import DataDriftPreset

        columns = [c for c in replay.scorers if c in result.cells]
        numeric = [c for c in columns if replay.scorers[c].kind == "num"]
        definition = DataDefinition(
            numerical_columns=numeric,
            categorical_columns=[c for c in columns if c not in numeric],
        )
        methods = {c: replay.scorers[c].method for c in columns}
        thresholds = {c: replay.scorers[c].threshold for c in columns}
        preset = DataDriftPreset(
            columns=columns,
            per_column_method={c: m for c, m in methods.items() if m is not None} or None,
            per_column_threshold={c: t for c, t in thresholds.items() if t is not None} or None,
            drift_share=replay.monitor.alert_when.drift_share or 0.5,
        )
        current = _frame(replay.current, columns, result)
        reference = _frame(replay.reference, columns, None)
        snapshot = Report([preset]).run(
            Dataset.from_pandas(current, data_definition=definition),
            Dataset.from_pandas(reference, data_definition=definition),
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        snapshot.save_html(str(path))  # a pathlib.Path silently writes nothing (FACTS.md)


def _frame(table: Any, columns: list[str], result: WindowResult | None) -> Any:
    import pandas as pd

    data = {}
    for name in columns:
        values = table.column(name).to_numpy()
        data[name] = values if result is None else values[result.window.rows]
    return pd.DataFrame(data)

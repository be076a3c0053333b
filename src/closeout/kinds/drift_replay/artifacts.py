"""Artifacts of a drift replay: the SVG charts and evidently's snapshot of the first alert."""

from __future__ import annotations

from typing import Any

from closeout._time import from_ms, iso_z
from closeout.kind import RunContext
from closeout.kinds.drift_replay.chart import drift_chart
from closeout.kinds.drift_replay.replay import Replay
from closeout.kinds.drift_replay.snapshot import write_snapshot


def write_artifacts(
    replay: Replay, context: RunContext, report: dict[str, Any], evidently: Any = None
) -> list[str]:
    """Write the charts and the evidently snapshot of one side; return project-relative paths.

    The runner calls this (as ``KindResult.write_artifacts``) after the verdict; it adds the
    bounds of the window the snapshot shows (the first alerting one) to ``report`` as
    ``report_window``. ``evidently``: the monitor's own Report, when the scenario names one
    (it is the Report run for the snapshot).
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
    first = next((w for w in replay.incident.windows if w.alerting), None)
    if first is not None:
        path = base.with_name(base.name + "-evidently.json")
        report["report_window"] = {
            "start": iso_z(from_ms(first.window.start)),
            "end": iso_z(from_ms(first.window.end)),
            "why": "the first alerting window",
        }
        write_snapshot(path, replay, first, evidently)
        written.append(path)
    return [context.project.display(p) for p in written]

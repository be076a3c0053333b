"""Running one side of a ``drift_replay`` scenario: replay, judge, report, draw.

The engine module ``KIND.engine`` names: ``run`` replays the data through the monitor
(``replay``), judges the expectations and builds the metrics (``expect``) and hands the
runner a writer for the charts and the report of the first firing (``artifacts``). A monitor
given as ``{evidently: module:function}`` is read first (``evidently_monitor``): its Report
becomes the ``DriftMonitor`` replayed, and is the one run for the snapshot of the first alert.
"""

from __future__ import annotations

from functools import partial

from closeout.kind import KindResult, RunContext
from closeout.kinds.drift_replay.artifacts import write_artifacts
from closeout.kinds.drift_replay.data import KIND_WORDS
from closeout.kinds.drift_replay.evidently_monitor import read_monitor
from closeout.kinds.drift_replay.expect import metrics, outcomes
from closeout.kinds.drift_replay.replay import replay_scenario
from closeout.kinds.drift_replay.spec import DriftMonitor, DriftReplayScenario, EvidentlyMonitor


def run(
    scenario: DriftReplayScenario, subject: DriftMonitor | EvidentlyMonitor, context: RunContext
) -> KindResult:
    """Replay the incident (and the control period) through the monitor; judge expectations."""
    deployed = None
    if isinstance(subject, EvidentlyMonitor):
        deployed = read_monitor(subject, scenario, context)
        monitor = deployed.monitor
    else:
        monitor = subject
    replay = replay_scenario(scenario, monitor, context)
    found = outcomes(scenario, replay.detection, replay.control)
    columns = {
        name: {
            "type": KIND_WORDS[scorer.kind],
            "method": scorer.method or "auto (evidently's choice)",
            "threshold": scorer.threshold if scorer.threshold is not None else "default",
        }
        for name, scorer in replay.scorers.items()
    }
    report = metrics(scenario, monitor, replay.detection, replay.incident, replay.control, columns)
    if deployed is not None:
        report["evidently"] = deployed.summary()
    if replay.left_out:
        report["left_out_columns"] = replay.left_out
    notes = {name: sorted(s.messages) for name, s in replay.scorers.items() if s.messages}
    if notes:
        report["warnings"] = notes
    writer = None
    if context.artifacts_dir is not None:
        evidently = deployed.report if deployed is not None else None
        writer = partial(write_artifacts, replay, context, report, evidently)
    return KindResult(outcomes=found, metrics=report, write_artifacts=writer)

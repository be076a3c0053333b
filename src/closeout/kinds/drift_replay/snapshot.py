"""evidently's own report of one window, kept as its snapshot JSON (SPEC §12).

The artifact is the snapshot of evidently's ``DataDriftPreset`` run on the first alerting
window against the reference, with each column's method and threshold as the monitor set
them and the preset's ``drift_share`` set to agree with the monitor's alert rule (a
``drifted_columns: k`` rule over n columns is ``drift_share = k / n``), so evidently's
"dataset drift" verdict says what the monitor said. The JSON is about a tenth of the HTML
(which bundles evidently's 3.5 MB front end); ``render_snapshot_html`` turns it into the
self-contained HTML page on request (``closeout report --evidently``). When the monitor is
the team's own Report (``monitor: {evidently: ...}``) that very Report is run instead: its
``drift_share`` is the alert rule the replay used.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from closeout.kinds.drift_replay.replay import Replay
from closeout.kinds.drift_replay.snapshot_html import render_snapshot_html as render_snapshot_html
from closeout.kinds.drift_replay.verdict import WindowResult


def drift_share(replay: Replay, columns: list[str]) -> float:
    """The preset's ``drift_share`` equivalent to the monitor's ``alert_when``."""
    rule = replay.monitor.alert_when
    if rule.drift_share is not None:
        return rule.drift_share
    return min(1.0, (rule.drifted_columns or 1) / max(len(columns), 1))


def write_snapshot(path: Path, replay: Replay, result: WindowResult, report: Any = None) -> None:
    """Run evidently's data drift preset (or ``report``) on one window; write its snapshot."""
    import pandas as pd

    columns = [c for c in replay.scorers if c in result.cells]
    source = replay.sources["current"]
    _, values = source.read(columns, result.window)
    current = pd.DataFrame({name: values[name] for name in columns})
    reference = pd.DataFrame(replay.sources["reference"].read_all(columns))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # evidently warns about itself on import and use
        if report is None:
            snapshot = _run_preset(replay, columns, current, reference)
        else:
            snapshot = _run_report(report, replay, columns, current, reference)
        text = snapshot.dumps()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _definition(replay: Replay, columns: list[str]) -> Any:
    """The columns' types as closeout read them (evidently must not guess them again)."""
    from evidently import DataDefinition

    numeric = [c for c in columns if replay.scorers[c].kind == "num"]
    return DataDefinition(
        numerical_columns=numeric,
        categorical_columns=[c for c in columns if c not in numeric],
    )


def _run_report(report: Any, replay: Replay, columns: list[str], current: Any, ref: Any) -> Any:
    from evidently import Dataset

    definition = _definition(replay, columns)
    return report.run(
        Dataset.from_pandas(current, data_definition=definition),
        Dataset.from_pandas(ref, data_definition=definition),
    )


def _run_preset(replay: Replay, columns: list[str], current: Any, reference: Any) -> Any:
    from evidently import Dataset, Report
    from evidently.presets import DataDriftPreset

    definition = _definition(replay, columns)
    methods = {c: replay.scorers[c].method for c in columns}
    thresholds = {c: replay.scorers[c].threshold for c in columns}
    preset = DataDriftPreset(
        columns=columns,
        per_column_method={c: m for c, m in methods.items() if m is not None} or None,
        per_column_threshold={c: t for c, t in thresholds.items() if t is not None} or None,
        drift_share=drift_share(replay, columns),
    )
    return Report([preset], include_tests=True).run(
        Dataset.from_pandas(current, data_definition=definition),
        Dataset.from_pandas(reference, data_definition=definition),
    )

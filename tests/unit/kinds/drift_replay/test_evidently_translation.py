"""How an evidently Report becomes closeout's monitor: evidently's own resolution order for
methods and thresholds (checked against evidently's ``DataDriftOptions``), the alert rule,
``for``, and the factory's source file in the evidence (so a changed Report is stale)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from tests.conftest import POSTMORTEM, Write

from closeout.kinds.drift_replay.evidently_report import translate
from closeout.kinds.drift_replay.kind import KIND
from closeout.loader import load_scenario
from closeout.project import load_project

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from evidently import Report
    from evidently.legacy.calculations.stattests import psi_stat_test
    from evidently.legacy.options.data_drift import DataDriftOptions
    from evidently.metrics import DriftedColumnsCount, ValueDrift
    from evidently.presets import DataDriftPreset

SETTINGS = {
    "method": "psi",
    "num_method": "ks",
    "cat_method": "jensenshannon",
    "per_column_method": {"a": "wasserstein", "c": "chisquare"},
    "threshold": 0.3,
    "num_threshold": 0.01,
    "per_column_threshold": {"b": 0.2, "c": 0.001},
}


@pytest.mark.parametrize(
    ("keep", "column", "kind"),
    [
        (keys, column, kind)
        for keys in (
            list(SETTINGS),
            ["method", "threshold"],
            ["method", "per_column_method", "per_column_threshold"],
            ["cat_method", "num_threshold"],
        )
        for column, kind in (("a", "num"), ("b", "num"), ("c", "cat"), ("d", "cat"))
    ],
)
def test_each_columns_method_and_threshold_are_evidentlys(
    keep: list[str], column: str, kind: str
) -> None:
    chosen = {k: SETTINGS[k] for k in keep}
    plan = translate(Report([DataDriftPreset(**chosen)]))  # type: ignore[arg-type]
    monitor = plan.monitor(
        1, ["a", "b", "c", "d"], {"a": "num", "b": "num", "c": "cat", "d": "cat"}
    )
    options = DataDriftOptions(
        all_features_stattest=chosen.get("method"),
        num_features_stattest=chosen.get("num_method"),
        cat_features_stattest=chosen.get("cat_method"),
        per_feature_stattest=chosen.get("per_column_method"),
        all_features_threshold=chosen.get("threshold"),
        num_features_threshold=chosen.get("num_threshold"),
        per_feature_threshold=chosen.get("per_column_threshold"),
    )
    expected = (
        options.get_feature_stattest_func(column, kind),
        options.get_threshold(column, kind),
    )
    assert monitor.test_for(column) == expected


def test_the_alert_rule_and_for() -> None:
    preset = translate(Report([DataDriftPreset()])).monitor(3)
    assert (preset.alert_when.drift_share, preset.for_) == (0.5, 3)  # evidently's default share
    count = translate(Report([DriftedColumnsCount(drift_share=0.2, columns=["x"])])).monitor(1)
    assert (count.alert_when.drift_share, count.columns) == (0.2, ["x"])
    singles = translate(Report([ValueDrift(column="x"), ValueDrift(column="y")])).monitor(1)
    assert (singles.alert_when.drifted_columns, singles.columns) == (1, ["x", "y"])


def test_evidentlys_own_stattest_objects_are_read_by_name() -> None:
    monitor = translate(Report([DataDriftPreset(method=psi_stat_test)])).monitor(1)
    assert monitor.method == "psi"


def test_lint_needs_no_data_unless_settings_depend_on_column_types() -> None:
    assert not translate(Report([DataDriftPreset(method="ks", columns=["x"])])).needs_data
    assert translate(Report([DataDriftPreset(num_method="ks")])).needs_data
    # a per-column setting without `columns`: evidently ignores it for absent columns
    assert translate(Report([DataDriftPreset(per_column_method={"x": "ks"})])).needs_data


def test_the_factorys_file_is_hashed_into_the_evidence(project_dir: Path, write: Write) -> None:
    write("scenarios/INC-1/postmortem.yaml", POSTMORTEM)
    write("fixtures/INC-1/reference.csv", "x\n1\n")
    write("fixtures/INC-1/incident.csv", "ts,x\n2025-07-01T00:00:00Z,1\n")
    write("src/team/monitoring.py", "def fixed(): ...\n")
    write("old_monitor.py", "def report(): ...\n")
    path = write(
        "scenarios/INC-1/a1.yaml",
        """\
        action: A1
        kind: drift_replay
        reference: fixtures/INC-1/reference.csv
        current: fixtures/INC-1/incident.csv
        timestamp: ts
        window: 1h
        monitor: {evidently: "team.monitoring:fixed"}
        before: {monitor: {evidently: "old_monitor.py:report", for: 2}}
        """,
    )
    project = load_project()
    loaded = load_scenario(project, path)
    assert KIND.code_files(loaded.model, project) == sorted(
        [
            (project_dir / "src/team/monitoring.py").resolve(),
            (project_dir / "old_monitor.py").resolve(),
        ]
    )
    assert loaded.model.before is not None and loaded.model.before.monitor.for_ == 2

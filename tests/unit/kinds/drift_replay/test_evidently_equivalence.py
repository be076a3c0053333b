"""``monitor: {evidently: ...}`` replays exactly what the Report computes (SPEC §12).

For several Reports (the preset with its defaults, with per-column methods and thresholds,
explicit ``ValueDrift`` metrics, a ``DriftedColumnsCount`` with per-type settings) the
replay's score and drifted flag per window and column, and whether the window alerts, are
compared with running that very Report with evidently on each window (the oracle: the
factory's Report run by evidently, the window cut here with pandas, the column types given
to evidently from the CSV's dtypes).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from tests.conftest import POSTMORTEM, Write

from closeout.callables import load_callable
from closeout.loader import load_scenario
from closeout.project import load_project
from closeout.runner import run_loaded

START = pd.Timestamp("2025-07-01T00:00:00Z")
HOURS = 6
ROWS = 150
SHIFT_FROM = 3  # windows from this hour on are drifted

MONITORS = """\
from evidently import Report
from evidently.metrics import DriftedColumnsCount, ValueDrift
from evidently.presets import DataDriftPreset


def preset_defaults():
    return Report([DataDriftPreset()], include_tests=True)


def preset_per_column():
    return Report(
        [
            DataDriftPreset(
                columns=["income", "age", "region"],
                method="psi",
                per_column_method={"region": "chisquare", "age": "ks", "elsewhere": "z"},
                per_column_threshold={"age": 0.01},
                drift_share=0.3,
            )
        ],
        include_tests=True,
    )


def value_drifts():
    return Report(
        [
            ValueDrift(column="income", method="ks", threshold=0.01),
            ValueDrift(column="region", method="jensenshannon"),
            ValueDrift(column="age"),
            ValueDrift(column="channel", method="hellinger", threshold=0.2),
        ],
        include_tests=True,
    )


def drifted_count():
    return Report(
        [
            DriftedColumnsCount(
                num_method="wasserstein",
                num_threshold=0.05,
                cat_method="psi",
                per_column_method={"age": "t_test"},
                drift_share=0.5,
            )
        ],
        include_tests=True,
    )
"""
# evidently's preset computes every column about three times per window: the slow oracle
FACTORIES = [
    pytest.param("preset_defaults", marks=pytest.mark.slow),
    "preset_per_column",
    "value_drifts",
    "drifted_count",
]


def frames(reference_rows: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A reference and an incident period whose income, region and channel shift at 03:00."""
    rng = np.random.default_rng(reference_rows)

    def rows(n: int, shifted: bool) -> dict[str, Any]:
        return {
            "income": rng.normal(52_000 + 9_000 * shifted, 12_000, n).round(2),
            "age": rng.integers(18, 80, n),
            "region": rng.choice(["EU", "US", "APAC"], n, p=[0.2, 0.4, 0.4] if shifted else None),
            "channel": rng.choice(["web", "app"], n, p=[0.7, 0.3] if shifted else [0.5, 0.5]),
            "score": rng.beta(2, 5, n).round(4),
        }

    reference = pd.DataFrame(rows(reference_rows, False))
    parts = []
    for hour in range(HOURS):
        part = pd.DataFrame(rows(ROWS, hour >= SHIFT_FROM))
        seconds = np.sort(rng.uniform(0, 3600, ROWS)).astype(int)
        stamps = START + pd.Timedelta(hours=hour) + pd.to_timedelta(seconds, unit="s")
        part.insert(0, "ts", stamps.strftime("%Y-%m-%dT%H:%M:%SZ"))
        parts.append(part)
    return reference, pd.concat(parts, ignore_index=True)


def scenario(factory: str) -> str:
    return f"""\
action: A1
kind: drift_replay
reference: fixtures/INC-1/reference.csv
current: fixtures/INC-1/incident.csv
timestamp: ts
window: 1h
min_rows: 10
onset: 2025-07-01T00:00:00Z
monitor: {{evidently: "monitors.py:{factory}"}}
expect: {{fires_within: 10h}}
"""


def evidently_windows(
    report: Any, reference: pd.DataFrame, incident: pd.DataFrame
) -> list[dict[str, Any]]:
    """The oracle: the Report run by evidently on each hourly window."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from evidently import DataDefinition, Dataset

    features = [c for c in reference.columns if c in incident.columns]
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(reference[c])]
    definition = DataDefinition(
        numerical_columns=numeric, categorical_columns=[c for c in features if c not in numeric]
    )
    times = pd.to_datetime(incident["ts"], utc=True)
    out = []
    for hour in range(HOURS):
        lo = START + pd.Timedelta(hours=hour)
        window = incident.loc[(times >= lo) & (times < lo + pd.Timedelta(hours=1)), features]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            snapshot = report.run(
                Dataset.from_pandas(window.reset_index(drop=True), data_definition=definition),
                Dataset.from_pandas(reference[features], data_definition=definition),
            )
        found = _read(snapshot.dict())
        counts = [m for m in report.metrics if type(m).__name__ == "DriftedColumnsCount"]
        if counts:
            found |= _per_column(counts[0], window, reference[features], numeric)
        out.append(found)
    return out


def _per_column(
    metric: Any, window: pd.DataFrame, reference: pd.DataFrame, numeric: list[str]
) -> dict[str, Any]:
    """A DriftedColumnsCount keeps only its count: each column's score and flag come from
    evidently's DataDriftTable with the same settings (what DataDriftPreset renders)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from evidently.legacy.metrics import DataDriftTable
        from evidently.legacy.pipeline.column_mapping import ColumnMapping
        from evidently.legacy.report import Report as LegacyReport

        table = DataDriftTable(
            columns=metric.columns,
            num_stattest=metric.num_method,
            cat_stattest=metric.cat_method,
            stattest=metric.method,
            per_column_stattest=metric.per_column_method,
            stattest_threshold=metric.threshold,
            num_stattest_threshold=metric.num_threshold,
            cat_stattest_threshold=metric.cat_threshold,
            per_column_stattest_threshold=metric.per_column_threshold,
        )
        legacy = LegacyReport(metrics=[table])
        mapping = ColumnMapping(
            numerical_features=numeric,
            categorical_features=[c for c in reference.columns if c not in numeric],
        )
        legacy.run(reference_data=reference, current_data=window, column_mapping=mapping)
        columns = legacy.as_dict()["metrics"][0]["result"]["drift_by_columns"]
    return {
        "scores": {c: float(v["drift_score"]) for c, v in columns.items()},
        "flags": {c: bool(v["drift_detected"]) for c, v in columns.items()},
    }


def _read(result: dict[str, Any]) -> dict[str, Any]:
    scores = {
        m["config"]["column"]: m["value"]
        for m in result["metrics"]
        if m["config"]["type"].endswith(":ValueDrift")
    }
    flags: dict[str, bool] = {}
    dataset = None
    for test in result["tests"]:
        kind = test["metric_config"]["params"]["type"]
        failed = test["status"] == "FAIL"
        if kind.endswith(":ValueDrift"):
            flags[test["metric_config"]["params"]["column"]] = failed
        elif kind.endswith(":DriftedColumnsCount"):
            dataset = failed
    alerting = dataset if dataset is not None else any(flags.values())
    return {"scores": scores, "flags": flags, "alerting": alerting}


@pytest.fixture
def project(project_dir: Path, write: Write) -> Path:
    write("scenarios/INC-1/postmortem.yaml", POSTMORTEM)
    write("monitors.py", MONITORS)
    return project_dir


def replay(write: Write, factory: str, reference: pd.DataFrame, incident: pd.DataFrame) -> Any:
    root = Path.cwd()
    (root / "fixtures/INC-1").mkdir(parents=True, exist_ok=True)
    reference.to_csv(root / "fixtures/INC-1/reference.csv", index=False)
    incident.to_csv(root / "fixtures/INC-1/incident.csv", index=False)
    project = load_project()
    path = write(f"scenarios/INC-1/{factory.replace('_', '-')}.yaml", scenario(factory))
    result = run_loaded(load_scenario(project, path), project, artifacts=False)
    assert result.fixed.error is None, result.fixed.error
    return result


def compare(result: Any, expected: list[dict[str, Any]]) -> None:
    table = result.fixed.metrics["windows"]
    assert len(table) == HOURS
    for row, oracle in zip(table, expected, strict=True):
        cells = row["columns"]
        assert sorted(cells) == sorted(oracle["scores"]), row["start"]
        for column, score in oracle["scores"].items():
            assert abs(cells[column]["score"] - score) <= 1e-12, (row["start"], column)
            assert cells[column]["evidently_drifted"] is oracle["flags"][column], column
            assert cells[column]["drifted"] is oracle["flags"][column], column
        assert row["alerting"] is oracle["alerting"], row["start"]
        assert row["drifted_columns"] == sum(oracle["flags"].values())


@pytest.mark.usefixtures("project")
@pytest.mark.parametrize("factory", FACTORIES)
def test_replay_equals_running_the_report_on_each_window(write: Write, factory: str) -> None:
    reference, incident = frames(1500)
    result = replay(write, factory, reference, incident)
    report = load_callable(f"monitors.py:{factory}", load_project())()
    expected = evidently_windows(report, reference, incident)
    compare(result, expected)
    alerting = [w["alerting"] for w in result.fixed.metrics["windows"]]
    assert any(alerting), "the data must make the Report alert somewhere"
    assert result.fixed.metrics["evidently"]["report"] == f"monitors.py:{factory}"


@pytest.mark.slow
@pytest.mark.usefixtures("project")
def test_small_reference_takes_evidentlys_other_automatic_choice(write: Write) -> None:
    """Up to 1,000 reference rows evidently picks ks / chi-square / z instead."""
    reference, incident = frames(600)
    result = replay(write, "preset_defaults", reference, incident)
    report = load_callable("monitors.py:preset_defaults", load_project())()
    compare(result, evidently_windows(report, reference, incident))
    methods = {c["method"] for w in result.fixed.metrics["windows"] for c in w["columns"].values()}
    assert {"ks", "z", "chisquare"} <= methods


@pytest.mark.usefixtures("project")
def test_the_translated_monitor_is_in_the_evidence(write: Write) -> None:
    reference, incident = frames(1500)
    metrics = replay(write, "preset_per_column", reference, incident).fixed.metrics
    monitor = metrics["monitor"]
    assert monitor["columns"] == ["income", "age", "region"]
    assert monitor["method"] == "psi"
    assert monitor["alert_when"] == {"drifted_columns": None, "drift_share": 0.3}
    # evidently ignores a per-column method for a column outside `columns`: so does the replay
    assert set(monitor["per_column"]) == {"age", "region"}
    assert metrics["evidently"]["elements"] == ["DataDriftPreset"]

"""drift_replay lint: the timestamp and the monitor's columns are checked against the data
files' headers (a CSV header line, a Parquet schema, hive partition keys), reading no data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from tests.conftest import Write

from closeout.errors import ScenarioError
from closeout.loader import load_scenario
from closeout.project import load_project

SCENARIO = """\
action: A1
kind: drift_replay
reference: {reference}
current: {current}
timestamp: {timestamp}
window: 1h
monitor:
  columns: [{columns}]
before:
  monitor: {{columns: [{before}]}}
"""


def problems(write: Write, **fields: str) -> list[str]:
    values = {
        "reference": "fixtures/INC-1/reference.csv",
        "current": "fixtures/INC-1/incident.csv",
        "timestamp": "ts",
        "columns": "income, age",
        "before": "age",
    } | fields
    path = write("scenarios/INC-1/a1.yaml", SCENARIO.format(**values))
    try:
        load_scenario(load_project(), path)
    except ScenarioError as exc:
        return [str(p) for p in exc.problems]
    return []


@pytest.fixture
def files(project_dir: Path, write: Write) -> None:
    write("fixtures/INC-1/reference.csv", "income,age,region\n1,2,EU\n")
    # a header line only is enough: lint never reads rows (this one would not parse)
    write("fixtures/INC-1/incident.csv", "event_time,income,age,region\nnot,a,valid,row,at,all\n")


@pytest.mark.usefixtures("files")
def test_columns_present_in_every_file_pass(write: Write) -> None:
    assert problems(write, timestamp="event_time") == []


@pytest.mark.usefixtures("files")
def test_a_timestamp_missing_from_current_is_located_with_a_suggestion(write: Write) -> None:
    assert problems(write, timestamp="event_tme") == [
        "scenarios/INC-1/a1.yaml:5: timestamp: no column 'event_tme' in "
        "fixtures/INC-1/incident.csv (did you mean 'event_time'?); columns are: event_time, "
        "income, age, region"
    ]


@pytest.mark.usefixtures("files")
def test_a_monitored_column_missing_is_reported_per_file(write: Write) -> None:
    found = problems(write, timestamp="event_time", columns="income, agee", before="regoin")
    assert sorted(found) == [
        "scenarios/INC-1/a1.yaml:10: before.monitor.columns[0]: no column 'regoin' in "
        "fixtures/INC-1/incident.csv (did you mean 'region'?); columns are: event_time, "
        "income, age, region",
        "scenarios/INC-1/a1.yaml:10: before.monitor.columns[0]: no column 'regoin' in "
        "fixtures/INC-1/reference.csv (did you mean 'region'?); columns are: income, age, region",
        "scenarios/INC-1/a1.yaml:8: monitor.columns[1]: no column 'agee' in "
        "fixtures/INC-1/incident.csv (did you mean 'age'?); columns are: event_time, income, "
        "age, region",
        "scenarios/INC-1/a1.yaml:8: monitor.columns[1]: no column 'agee' in "
        "fixtures/INC-1/reference.csv (did you mean 'age'?); columns are: income, age, region",
    ]


@pytest.mark.usefixtures("project_dir")
def test_parquet_schemas_and_hive_partition_keys_are_headers(write: Write) -> None:
    root = Path.cwd()
    folder = root / "fixtures/INC-1/current/day=2025-07-01"
    folder.mkdir(parents=True)
    frame = pd.DataFrame({"ts": ["2025-07-01T00:00:00Z"], "income": [1.0]})
    frame.to_parquet(folder / "part-0.parquet")
    frame[["income"]].to_parquet(root / "fixtures/INC-1/reference.parquet")
    fields = {"reference": "fixtures/INC-1/reference.parquet", "current": "fixtures/INC-1/current"}
    assert problems(write, **fields, columns="income", before="income") == []
    assert problems(write, **fields, timestamp="day", columns="income", before="income") == []
    assert problems(write, **fields, columns="income, day", before="income") == [
        "scenarios/INC-1/a1.yaml:8: monitor.columns[1]: no column 'day' in "
        "fixtures/INC-1/reference.parquet; columns are: income"
    ]


@pytest.mark.usefixtures("files")
def test_a_missing_file_is_reported_once_not_per_column(write: Write) -> None:
    found = problems(write, current="fixtures/INC-1/nowhere.csv", timestamp="event_time")
    assert len(found) == 1
    assert "nowhere.csv" in found[0] and "not found" in found[0]

"""Lint checks the columns a threshold series or a synthetic edge-case file reads against the
file's header (CSV header line, Parquet schema), never its data."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import SCENARIO, Write

from closeout.lint import lint
from closeout.project import load_project

FILE_SCENARIO = SCENARIO.replace(
    '  error_rate: "0.01x11 0.08x11 0.01x11"\n',
    "  error_rate: {file: fixtures/INC-1/metrics.csv, timestamp: ts, column: error_rate}\n",
)


def found(project_dir: Path) -> list[str]:
    project = load_project()
    return [str(p) for p in lint(project, [project.scenarios_dir]).problems]


def metrics_csv(header: str) -> str:
    # Rows that could never be parsed: lint reads the header line only.
    return header + "\n" + "not,a,row,at,all\n" * 3


@pytest.mark.usefixtures("project_dir")
def test_the_series_columns_present_in_the_header_lint_clean(write: Write) -> None:
    write("fixtures/INC-1/metrics.csv", metrics_csv("ts,error_rate"))
    write("scenarios/INC-1/a1.yaml", FILE_SCENARIO)
    assert found(Path.cwd()) == []


@pytest.mark.usefixtures("project_dir")
def test_a_wrong_timestamp_and_value_column_are_errors_at_their_lines(write: Write) -> None:
    write("fixtures/INC-1/metrics.csv", metrics_csv("time,error_rate_5m"))
    write("scenarios/INC-1/a1.yaml", FILE_SCENARIO)
    assert found(Path.cwd()) == [
        "scenarios/INC-1/a1.yaml:6: series.error_rate.timestamp: no column 'ts' in "
        "fixtures/INC-1/metrics.csv; columns are: time, error_rate_5m",
        "scenarios/INC-1/a1.yaml:6: series.error_rate.column: no column 'error_rate' in "
        "fixtures/INC-1/metrics.csv (did you mean 'error_rate_5m'?); columns are: time, "
        "error_rate_5m",
    ]


@pytest.mark.usefixtures("project_dir")
def test_without_column_the_series_name_is_the_column(write: Write) -> None:
    write("fixtures/INC-1/metrics.csv", metrics_csv("ts,latency_ms"))
    write("scenarios/INC-1/a1.yaml", FILE_SCENARIO.replace(", column: error_rate}", "}"))
    assert found(Path.cwd()) == [
        "scenarios/INC-1/a1.yaml:6: series.error_rate: no column 'error_rate' in "
        "fixtures/INC-1/metrics.csv; columns are: ts, latency_ms"
    ]


@pytest.mark.usefixtures("project_dir")
def test_a_parquet_series_is_checked_against_its_schema(write: Write, project_dir: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    (project_dir / "fixtures/INC-1").mkdir(parents=True)
    table = pa.table({"ts": ["2025-07-01T00:00:00Z"], "rate": [0.1]})
    pq.write_table(table, project_dir / "fixtures/INC-1/metrics.parquet")
    write(
        "scenarios/INC-1/a1.yaml",
        FILE_SCENARIO.replace("metrics.csv", "metrics.parquet"),
    )
    assert found(project_dir) == [
        "scenarios/INC-1/a1.yaml:6: series.error_rate.column: no column 'error_rate' in "
        "fixtures/INC-1/metrics.parquet; columns are: ts, rate"
    ]


@pytest.mark.usefixtures("project_dir")
def test_a_missing_file_is_reported_once_not_as_missing_columns(write: Write) -> None:
    write("scenarios/INC-1/a1.yaml", FILE_SCENARIO)
    assert found(Path.cwd()) == [
        "scenarios/INC-1/a1.yaml:6: series.error_rate.file: file "
        "'fixtures/INC-1/metrics.csv' not found"
    ]


SYNTHETIC = """\
action: A1
kind: synthetic
function: "tests/subject.py:prepare"
columns:
  income: {dtype: float, min: 0, max: 10}
  region: {dtype: category, values: [EU, US]}
examples: 5
edge_cases:
  - {file: fixtures/INC-1/rows.csv}
properties:
  - row_count: preserved
"""


@pytest.mark.usefixtures("project_dir")
def test_a_synthetic_edge_case_file_must_hold_the_generated_columns_and_no_other(
    write: Write,
) -> None:
    write("tests/subject.py", "def prepare(df):\n    return df\n")
    write("scenarios/INC-1/a1.yaml", SYNTHETIC)
    write("fixtures/INC-1/rows.csv", "income,region\n1.5,EU\n")
    assert found(Path.cwd()) == []
    write("fixtures/INC-1/rows.csv", "incme,region,note\n1.5,EU,x\n")
    assert found(Path.cwd()) == [
        "scenarios/INC-1/a1.yaml:9: edge_cases[0].file: no column 'income' in "
        "fixtures/INC-1/rows.csv (did you mean 'incme'?); columns are: incme, region, note",
        "scenarios/INC-1/a1.yaml:9: edge_cases[0].file: column 'incme' of "
        "fixtures/INC-1/rows.csv is not a generated column (income, region)",
        "scenarios/INC-1/a1.yaml:9: edge_cases[0].file: column 'note' of "
        "fixtures/INC-1/rows.csv is not a generated column (income, region)",
    ]

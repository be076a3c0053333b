"""drift_replay lint: problems in a scenario are located (file:line: field: message) before
anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import Write

from closeout.errors import ScenarioError
from closeout.loader import load_scenario
from closeout.project import load_project

SCENARIO = """\
action: A1
kind: drift_replay
reference: fixtures/INC-1/reference.csv
current: fixtures/INC-1/incident.csv
timestamp: ts
window: 1h
min_rows: 10
onset: 2025-07-01T00:10:00Z
monitor: {monitor}
"""


def lint_problems(write: Write, text: str) -> list[str]:
    # lint reads no data: the files only have to exist
    write("fixtures/INC-1/reference.csv", "x,z,region\n0.1,0,EU\n")
    write("fixtures/INC-1/incident.csv", "ts,x,z,region\n2025-07-01T00:00:00Z,0.1,0,EU\n")
    path = write("scenarios/INC-1/bad.yaml", text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(load_project(), path)
    return [str(p) for p in caught.value.problems]


@pytest.mark.usefixtures("project_dir")
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"monitor: {monitor}": "monitor: {method: wasserstien}"},
            ":9: monitor.method: unknown stattest 'wasserstien' (did you mean 'wasserstein'?)",
        ),
        (
            {"monitor: {monitor}": "monitor: {threshhold: 0.1}"},
            ":9: monitor.threshhold: unknown key 'threshhold' (did you mean 'threshold'?)",
        ),
        (
            {"monitor: {monitor}": "monitor:\n  columns: [x]\n  per_column:\n    y: {method: ks}"},
            ":12: monitor.per_column.y: 'y' is not a monitored column",
        ),
        (
            {"monitor: {monitor}": "monitor: {columns: [x, x]}"},
            ":9: monitor.columns[1]: column 'x' is listed twice",
        ),
        (
            {"monitor: {monitor}": "monitor: {columns: [x], alert_when: {drifted_columns: 2}}"},
            "drifted columns can never happen: the monitor watches 1",
        ),
        (
            {"monitor: {monitor}": "monitor: {alert_when: {drifted_columns: 1, drift_share: 0.5}}"},
            "give exactly one of drifted_columns",
        ),
        (
            {"monitor: {monitor}": "monitor: {method: ks, threshold: 5}"},
            "'ks' gives a p-value: a threshold of 5 is above 1",
        ),
        ({"monitor: {monitor}": "monitor: {for: 0}"}, "monitor.for: must be at least 1"),
        (
            {"monitor: {monitor}": "monitor: {}\nexpect: {control_quiet: true}"},
            ":10: expect.control_quiet: needs a `control` file",
        ),
        (
            {"monitor: {monitor}": "monitor: {}\nbefore: {window: 2h}"},
            "'window' cannot be overridden: before may hold only the subject 'monitor'",
        ),
        (
            {"window: 1h": "window: 0s", "monitor: {monitor}": "monitor: {}"},
            ":6: window: must be longer than 0s",
        ),
        (
            {"incident.csv": "missing.csv", "monitor: {monitor}": "monitor: {}"},
            ":4: current: file 'fixtures/INC-1/missing.csv' not found",
        ),
        (
            {"monitor: {monitor}": "monitor: {}\nexpect: {no_alert_before_onset: false}"},
            "expect: nothing to check",
        ),
    ],
)
def test_lint_problems_are_located(write: Write, change: dict[str, str], expected: str) -> None:
    text = SCENARIO
    for old, new in change.items():
        text = text.replace(old, new)
    problems = lint_problems(write, text)
    assert any(expected in p for p in problems), problems


def test_scenario_paths_must_stay_inside_the_project(project_dir: Path, write: Write) -> None:
    text = SCENARIO.replace("fixtures/INC-1/reference.csv", "../outside.csv").format(monitor="{}")
    assert any("resolves outside the project root" in p for p in lint_problems(write, text))


# --------------------------------------------------------------------------- data sources (§12)


@pytest.mark.usefixtures("project_dir")
@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (
            "fixtures/INC-1/parts/*.parquet",
            ":4: current: glob 'fixtures/INC-1/parts/*.parquet' matches no Parquet file",
        ),
        ("fixtures/INC-1/empty", ":4: current: folder 'fixtures/INC-1/empty' holds no Parquet"),
        (
            "{duckdb: fixtures/INC-1/events.duckdb, query: select * from events}",
            ":4: current.duckdb: DuckDB file 'fixtures/INC-1/events.duckdb' not found",
        ),
        ("{duckdb: ../events.duckdb, query: select 1}", "resolves outside the project root"),
        ("../*/x.parquet", "resolves outside the project root"),
        ("{duckdb: fixtures/INC-1/events.duckdb}", ":4: current.query: missing required field"),
        (
            "{duckdb: fixtures/INC-1/events.duckdb, qeury: select 1}",
            "unknown key 'qeury' (did you mean 'query'?)",
        ),
    ],
    ids=[
        "glob-matches-nothing",
        "folder-without-parquet",
        "duckdb-file-missing",
        "duckdb-outside",
        "glob-outside",
        "duckdb-without-query",
        "duckdb-typo",
    ],
)
def test_new_source_forms_are_checked_statically(
    project_dir: Path, write: Write, current: str, expected: str
) -> None:
    (project_dir / "fixtures/INC-1/empty").mkdir(parents=True)
    write("fixtures/INC-1/empty/notes.txt", "no data here\n")
    write("fixtures/INC-1/parts/readme.md", "the export has not run yet\n")
    text = SCENARIO.format(monitor="{}").replace("fixtures/INC-1/incident.csv", current)
    problems = lint_problems(write, text)
    assert any(expected.lower() in p.lower() for p in problems), problems


def test_a_glob_or_folder_of_parquet_files_and_a_duckdb_file_pass_lint(
    project_dir: Path, write: Write
) -> None:
    for part in ("date=2025-07-01", "date=2025-07-02"):
        write(f"fixtures/INC-1/parts/{part}/part-0.parquet", "lint reads no data")
    write("fixtures/INC-1/parts/_SUCCESS", "")
    write("fixtures/INC-1/events.duckdb", "lint opens no database")
    project = load_project()
    for current in (
        "fixtures/INC-1/parts",
        "fixtures/INC-1/parts/*/*.parquet",
        "fixtures/INC-1/parts/**/*.parquet",
        '{duckdb: fixtures/INC-1/events.duckdb, query: "select * from events"}',
    ):
        text = SCENARIO.format(monitor="{}").replace("fixtures/INC-1/incident.csv", current)
        write("fixtures/INC-1/reference.csv", "x\n0.1\n")
        load_scenario(project, write("scenarios/INC-1/ok.yaml", text))

"""drift_replay bad input: located lint problems, and data problems as clear `error` verdicts."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import Write

from closeout.errors import ScenarioError
from closeout.loader import load_scenario
from closeout.project import load_project
from closeout.runner import run_loaded

REFERENCE = "x,z,region\n" + "".join(
    f"{i / 10},{i % 3},{'EU' if i % 2 else 'US'}\n" for i in range(40)
)


def incident(rows: int = 40, x: str = "{v}", ts: str = "2025-07-01T00:{m:02d}:00Z") -> str:
    lines = [
        f"{ts.format(m=i)},{x.format(v=i / 10)},{i % 3},{'EU' if i % 2 else 'US'}"
        for i in range(rows)
    ]
    return "ts,x,z,region\n" + "\n".join(lines) + "\n"


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


def run_error(
    write: Write, incident_csv: str, monitor: str = "{columns: [x]}", **changes: str
) -> str:
    write("fixtures/INC-1/reference.csv", REFERENCE)
    write("fixtures/INC-1/incident.csv", incident_csv)
    text = SCENARIO.format(monitor=monitor)
    for old, new in changes.items():
        text = text.replace(old, new)
    project = load_project()
    result = run_loaded(
        load_scenario(project, write("scenarios/INC-1/bad.yaml", text)), project, artifacts=False
    )
    assert result.fixed.verdict == "error" and result.fixed.traceback is None
    return str(result.fixed.error)


@pytest.mark.usefixtures("project_dir")
@pytest.mark.parametrize(
    ("csv", "monitor", "message"),
    [
        (
            incident(),
            "{columns: [x, w]}",
            "fixtures/INC-1/reference.csv: monitored column 'w' is missing from this reference file",
        ),
        (
            incident().replace("ts,x,z,region", "ts,x,zz,region"),
            "{columns: [x, z]}",
            "fixtures/INC-1/incident.csv: monitored column 'z' is missing from this current file "
            "(did you mean 'zz'?)",
        ),
        (
            incident(x=""),
            "{columns: [x]}",
            "fixtures/INC-1/incident.csv: column 'x' has no values (every cell is empty)",
        ),
        (
            incident(),
            "{columns: [x, region], method: ks}",
            "monitor.method: 'ks' works on numeric columns only, but 'region' is categorical in "
            "fixtures/INC-1/reference.csv",
        ),
        (
            incident(),
            "{columns: [x], per_column: {x: {method: chisquare}}}",
            "monitor.per_column.x.method: 'chisquare' works on categorical columns only, but 'x' "
            "is numeric",
        ),
        (
            incident(x="{v} mg"),
            "{columns: [x]}",
            "fixtures/INC-1/incident.csv: column 'x' is categorical here but numeric in "
            "fixtures/INC-1/reference.csv",
        ),
        (
            incident(rows=8),
            "{columns: [x]}",
            "fixtures/INC-1/incident.csv: no 1h window has at least min_rows=10 rows (the largest "
            "has 8)",
        ),
        (
            incident(),
            "{alert_when: {drifted_columns: 4}}",
            "monitor.alert_when.drifted_columns is 4 but the monitor watches 3 columns (x, z, "
            "region): it could never alert",
        ),
        (
            incident().replace("ts,x", "time,x"),
            "{columns: [x]}",
            "fixtures/INC-1/incident.csv: no column 'ts'; columns are: time, x, z, region",
        ),
        (
            incident().replace("2025-07-01T00:03:00Z", "yesterday"),
            "{columns: [x]}",
            "fixtures/INC-1/incident.csv:5: column 'ts': cannot parse 'yesterday'",
        ),
        (
            incident().replace("2025-07-01T00:03:00Z", ""),
            "{columns: [x]}",
            "fixtures/INC-1/incident.csv:5: column 'ts': empty timestamp",
        ),
        (
            incident(ts="{m}"),
            "{columns: [x]}",
            "fixtures/INC-1/incident.csv: column 'ts' holds numbers, not timestamps",
        ),
    ],
    ids=[
        "column-missing-from-reference",
        "column-missing-from-current",
        "all-nan-column",
        "numeric-method-on-categorical",
        "categorical-method-on-numeric",
        "type-changed-upstream",
        "no-window-with-enough-rows",
        "alert-rule-impossible",
        "timestamp-missing",
        "timestamp-unparsable",
        "timestamp-empty",
        "timestamp-numeric",
    ],
)
def test_data_problems_are_clear_errors(write: Write, csv: str, monitor: str, message: str) -> None:
    assert message in run_error(write, csv, monitor)


@pytest.mark.usefixtures("project_dir")
def test_onset_after_the_recording_is_an_error(write: Write) -> None:
    error = run_error(
        write, incident(), **{"onset: 2025-07-01T00:10:00Z": "onset: 2025-07-01T01:00:00Z"}
    )
    assert (
        "the onset 2025-07-01T01:00:00Z is after the last window (ends 2025-07-01T01:00:00Z)"
        in error
    )


@pytest.mark.usefixtures("project_dir")
def test_empirical_mmd_on_a_large_reference_is_refused_before_it_exhausts_memory(
    write: Write,
) -> None:
    big = "x\n" + "".join(f"{i}\n" for i in range(6000))
    write("fixtures/INC-1/big.csv", big)
    error = run_error(
        write,
        incident(),
        "{columns: [x], method: empirical_mmd}",
        **{"fixtures/INC-1/reference.csv": "fixtures/INC-1/big.csv"},
    )
    assert "empirical_mmd builds a 6040 x 6040 kernel matrix" in error


# --------------------------------------------------------------------------- lint


def lint_problems(write: Write, text: str) -> list[str]:
    write("fixtures/INC-1/reference.csv", REFERENCE)
    write("fixtures/INC-1/incident.csv", incident())
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


@pytest.mark.usefixtures("project_dir")
def test_per_column_override_of_an_unmonitored_column_is_an_error_without_columns(
    write: Write,
) -> None:
    message = run_error(write, incident(), "{per_column: {regoin: {method: jensenshannon}}}")
    assert "monitor.per_column: regoin is not monitored (did you mean 'region'?)" in message

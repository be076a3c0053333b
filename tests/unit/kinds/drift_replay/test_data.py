"""drift_replay data problems (missing, empty or retyped columns, bad timestamps, too few rows)
are clear `error` verdicts naming the file, the row and the column."""

from __future__ import annotations

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
    try:
        loaded = load_scenario(project, write("scenarios/INC-1/bad.yaml", text))
    except ScenarioError as exc:  # lint checks the files' headers: caught before any run
        return str(exc)
    result = run_loaded(loaded, project, artifacts=False)
    assert result.fixed.verdict == "error" and result.fixed.traceback is None
    return str(result.fixed.error)


@pytest.mark.usefixtures("project_dir")
@pytest.mark.parametrize(
    ("csv", "monitor", "message"),
    [
        (
            incident(),
            "{columns: [x, w]}",
            "monitor.columns[1]: no column 'w' in fixtures/INC-1/reference.csv",
        ),
        (
            incident().replace("ts,x,z,region", "ts,x,zz,region"),
            "{columns: [x, z]}",
            "monitor.columns[1]: no column 'z' in fixtures/INC-1/incident.csv (did you mean 'zz'?)",
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
            "timestamp: no column 'ts' in fixtures/INC-1/incident.csv; columns are: time, x, z, "
            "region",
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


@pytest.mark.usefixtures("project_dir")
def test_per_column_override_of_an_unmonitored_column_is_an_error_without_columns(
    write: Write,
) -> None:
    message = run_error(write, incident(), "{per_column: {regoin: {method: jensenshannon}}}")
    assert "monitor.per_column: regoin is not monitored (did you mean 'region'?)" in message

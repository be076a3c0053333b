"""``monitor: {evidently: ...}`` gone wrong: each problem is an ``error`` verdict naming the
scenario line and the fix (never a traceback), and lint imports no user code."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from tests.conftest import POSTMORTEM, Write

from closeout.errors import DataError, ScenarioError
from closeout.kind import RunContext
from closeout.kinds.drift_replay.evidently_monitor import read_monitor
from closeout.lint import lint
from closeout.loader import load_postmortem, load_scenario
from closeout.project import load_project
from closeout.runner import ScenarioRun, run_loaded

MONITORS = """\
from evidently import Report
from evidently.metrics import RowCount, ValueDrift
from evidently.presets import DataDriftPreset
from evidently.tests import lt


def good():
    return Report([ValueDrift(column="x", method="ks")])


def not_a_report():
    return {"metrics": ["drift"]}


def empty():
    return Report([])


def row_count():
    return Report([RowCount(), ValueDrift(column="x")])


def custom_tests():
    return Report([ValueDrift(column="x", tests=[lt(0.3)])])


def my_test(reference, current, feature_type, threshold):
    return 0.5, False


def custom_stattest():
    return Report([DataDriftPreset(method=my_test)])


def text_method():
    return Report([DataDriftPreset(text_method="perc_text_content_drift")])


def mixed():
    return Report([DataDriftPreset(columns=["x"]), ValueDrift(column="z")])


def twice():
    return Report([ValueDrift(column="x"), ValueDrift(column="x", method="psi")])


def zero_share():
    return Report([DataDriftPreset(drift_share=0.0)])


def bad_threshold():
    return Report([ValueDrift(column="x", method="ks", threshold=-1.0)])


def unknown_method():
    return Report([ValueDrift(column="x", method="perc_text_content_drift")])


def raises():
    raise RuntimeError("the monitoring config server is down")
"""

SCENARIO = """\
action: A1
kind: drift_replay
reference: fixtures/INC-1/reference.csv
current: fixtures/INC-1/incident.csv
timestamp: ts
window: 1h
min_rows: 5
monitor: {{evidently: "{fixed}"}}
before:
  monitor: {{evidently: "{before}"}}
"""


@pytest.fixture
def project(project_dir: Path, write: Write) -> Path:
    write("scenarios/INC-1/postmortem.yaml", POSTMORTEM)
    write("monitors.py", MONITORS)
    write("broken.py", "import no_such_package_here\n\n\ndef monitor(): ...\n")
    write(
        "fixtures/INC-1/reference.csv", "x,z\n" + "".join(f"{i % 17},{i % 3}\n" for i in range(60))
    )
    rows = "".join(f"2025-07-01T01:{i:02d}:00Z,{(i * 7) % 17 + 30},{i % 3}\n" for i in range(40))
    write("fixtures/INC-1/incident.csv", "ts,x,z\n" + rows)
    return project_dir


def run(write: Write, fixed: str, before: str = "monitors.py:good") -> ScenarioRun:
    project = load_project()
    path = write("scenarios/INC-1/a1.yaml", SCENARIO.format(fixed=fixed, before=before))
    return run_loaded(load_scenario(project, path), project, artifacts=False)


@pytest.mark.usefixtures("project")
@pytest.mark.parametrize(
    ("factory", "expected"),
    [
        ("not_a_report", "returned a builtins.dict, not an evidently Report: return Report(["),
        ("empty", "the Report has no drift metric: give it a DataDriftPreset"),
        ("row_count", "RowCount is not a drift metric: closeout replays DataDriftPreset"),
        ("custom_tests", "ValueDrift(column='x')(tests=...): custom tests on a drift metric"),
        ("custom_stattest", "DataDriftPreset(method=...): the custom stattest 'my_test'"),
        ("text_method", "DataDriftPreset(text_method=...): text and embedding drift cannot"),
        ("mixed", "DataDriftPreset, ValueDrift(column='z'): a Report with a column group and"),
        ("twice", "ValueDrift(column='x') is in the Report twice"),
        ("zero_share", "DataDriftPreset(drift_share=0): a share of drifted columns must be"),
        ("bad_threshold", "a setting closeout cannot replay: per_column.x.threshold"),
        ("unknown_method", "ValueDrift(column='x')(method='perc_text_content_drift'): closeout"),
    ],
)
def test_a_report_closeout_cannot_replay_is_an_error_naming_the_line(
    write: Write, factory: str, expected: str
) -> None:
    result = run(write, f"monitors.py:{factory}")
    assert result.fixed.verdict == "error"
    error = result.fixed.error or ""
    assert error.startswith("scenarios/INC-1/a1.yaml:8: monitor.evidently: "), error
    assert expected in error
    assert "Traceback" not in error


@pytest.mark.usefixtures("project")
def test_the_pre_fix_report_is_located_at_its_own_line(write: Write) -> None:
    result = run(write, "monitors.py:good", before="monitors.py:empty")
    assert result.before is not None and result.before.verdict == "error"
    assert (result.before.error or "").startswith(
        "scenarios/INC-1/a1.yaml:10: before.monitor.evidently: monitors.py:empty: the Report"
    )


@pytest.mark.usefixtures("project")
def test_a_module_that_cannot_be_imported_is_an_error_with_the_fix(write: Write) -> None:
    result = run(write, "broken.py:monitor")
    assert result.fixed.verdict == "error"
    error = result.fixed.error or ""
    first, second = error.splitlines()[:2]
    assert first.startswith("scenarios/INC-1/a1.yaml:8: monitor.evidently: broken.py:monitor:")
    assert "No module named 'no_such_package_here'" in first
    assert second.startswith("fix the module so that it imports")


@pytest.mark.usefixtures("project")
def test_a_factory_that_raises_is_the_subject_failing(write: Write) -> None:
    result = run(write, "monitors.py:raises")
    assert result.fixed.verdict == "fail"
    assert "the monitoring config server is down" in (result.fixed.error or "")
    assert 'raise RuntimeError("the monitoring' in (result.fixed.traceback or "")


@pytest.mark.usefixtures("project")
def test_evidently_not_installed_is_an_error_saying_what_to_install(
    write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = load_project()
    loaded = load_scenario(
        project,
        write(
            "scenarios/INC-1/a1.yaml",
            SCENARIO.format(fixed="monitors.py:good", before="monitors.py:good"),
        ),
    )
    postmortem, _ = load_postmortem(project, Path("scenarios/INC-1/postmortem.yaml").resolve())
    context = RunContext(project, postmortem, "INC-1", "a1", loaded.display, 1, "fixed", None, "x")
    monkeypatch.setitem(sys.modules, "evidently", None)  # `import evidently` now fails
    with pytest.raises(DataError) as caught:
        read_monitor(loaded.model.monitor, loaded.model, context)
    message = str(caught.value)
    assert message.startswith("scenarios/INC-1/a1.yaml:8: monitor.evidently: evidently is not")
    assert message.endswith("pip install 'closeout[drift]'")


@pytest.mark.usefixtures("project")
def test_lint_imports_no_user_code_and_says_the_report_is_read_at_run_time(
    write: Write, project_dir: Path
) -> None:
    write("loud.py", "open('imported.txt', 'w').write('lint imported me')\ndef monitor(): ...\n")
    write("scenarios/INC-1/a1.yaml", SCENARIO.format(fixed="loud.py:monitor", before="broken.py:m"))
    write(
        "scenarios/INC-1/a2.yaml",
        SCENARIO.format(fixed="loud.py:monitor", before="loud.py:monitor"),
    )
    found = lint(load_project(), [project_dir / "scenarios"])
    assert not (project_dir / "imported.txt").exists()
    info = [str(p) for p in found.problems if p.severity == "info"]
    assert [p for p in info if p.startswith("scenarios/INC-1/a2.yaml")] == [
        f"scenarios/INC-1/a2.yaml:{line}: info: {where}monitor.evidently: the monitor is the "
        "evidently Report loud.py:monitor returns; it is read when the scenario runs (lint "
        "imports no user code): an element closeout cannot replay is an error then"
        for line, where in ((8, ""), (10, "before."))
    ]
    errors = [str(p) for p in found.errors]
    assert errors == [
        "scenarios/INC-1/a1.yaml:10: before.monitor.evidently: broken.py:m: 'm' is not "
        "defined in broken.py"
    ]


@pytest.mark.usefixtures("project")
@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("monitors", "'monitors' is not a callable reference: write package.module:function"),
        ("monitors.py:", "is not a callable reference"),
        ("", "String should have at least 1 character"),
    ],
)
def test_lint_checks_the_reference_syntax(write: Write, reference: str, expected: str) -> None:
    path = write("scenarios/INC-1/a1.yaml", SCENARIO.format(fixed=reference, before="x.py:m"))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(load_project(), path)
    problems = [str(p) for p in caught.value.problems]
    assert any(":8: monitor.evidently: " in p and expected in p for p in problems), problems

"""Lint: errors, warnings, --strict, duplicates across files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.conftest import POSTMORTEM, SCENARIO, Write

from closeout import evidence, lifecycle
from closeout.lint import lint
from closeout.loader import load_scenario
from closeout.project import load_project
from closeout.runner import run_loaded


def messages(project_dir: Path, today: date = date(2026, 1, 1)) -> list[str]:
    project = load_project()
    return [str(p) for p in lint(project, [project.scenarios_dir], today=today).problems]


def test_action_without_scenario_or_waiver_is_a_warning(project_dir: Path) -> None:
    found = messages(project_dir)
    assert any("warning: actions[0]: action A1 has no scenario" in m for m in found)


def test_a_scenario_silences_that_warning(project_dir: Path, write: Write) -> None:
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    assert messages(project_dir) == []


def test_waiver_and_not_doing_need_no_scenario(project_dir: Path, write: Write) -> None:
    write(
        "scenarios/INC-1/postmortem.yaml",
        POSTMORTEM + "    waiver: {reason: org change, approved_by: cto}\n",
    )
    assert messages(project_dir) == []


def test_past_due_on_an_open_action_and_unaddressed_cause_warn(
    project_dir: Path, write: Write
) -> None:
    text = POSTMORTEM.replace("due: 2099-01-01", "due: 2020-01-01").replace(
        "root_causes:\n", "root_causes:\n  - {id: RC0, category: process, description: no review}\n"
    )
    write("scenarios/INC-1/postmortem.yaml", text)
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    found = messages(project_dir)
    assert any("action A1 was due 2020-01-01" in m for m in found)
    assert any("root cause RC0 is addressed by no action" in m for m in found)


def test_duplicate_scenario_names_are_an_error(project_dir: Path, write: Write) -> None:
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    write("scenarios/INC-1/other.yaml", "name: a1\n" + SCENARIO)
    assert any("scenario name 'a1' is also used by" in m for m in messages(project_dir))


def test_a_stray_yaml_file_in_the_scenarios_root_does_not_hide_the_incidents(
    project_dir: Path, write: Write
) -> None:
    write("scenarios/.yamllint.yml", "rules: {}\n")
    write("scenarios/INC-1/a1.yaml", SCENARIO.replace("interval: 5m", "intervall: 5m"))
    assert any("unknown key 'intervall'" in m for m in messages(project_dir))


def test_no_past_due_warning_once_the_action_is_closed_by_a_record(
    project_dir: Path, write: Write
) -> None:
    write(
        "scenarios/INC-1/postmortem.yaml", POSTMORTEM.replace("due: 2099-01-01", "due: 2020-01-01")
    )
    path = write("scenarios/INC-1/a1.yaml", SCENARIO)
    assert any("was due" in m for m in messages(project_dir))
    project = load_project()
    run = run_loaded(load_scenario(project, path), project, artifacts=False)
    evidence.write_record(project, evidence.run_record(run, project, "manual"), "a1")
    assert lifecycle.close(project, "INC-1", "A1", "sam", None).done
    assert not any("was due" in m for m in messages(project_dir))


SYNTHETIC = """\
action: A1
kind: synthetic
function: "statistics:normalize"
columns:
  income: {dtype: float, min: 0, max: 10}
rows: {min: 1, max: 5}
examples: 5
properties:
  - row_count: preserved
"""


def test_a_callable_module_named_like_the_standard_library_is_a_warning(
    project_dir: Path, write: Write
) -> None:
    write("src/statistics.py", "def normalize(df):\n    return df\n")
    write("scenarios/INC-1/a1.yaml", SYNTHETIC)
    assert messages(project_dir) == [
        "scenarios/INC-1/a1.yaml:3: warning: module 'statistics' (src/statistics.py) has the name "
        "of the standard-library module 'statistics', which Python imports instead of it when "
        "already loaded: rename it"
    ]


def test_a_callable_module_with_its_own_name_is_no_warning(project_dir: Path, write: Write) -> None:
    write("src/incomes.py", "def normalize(df):\n    return df\n")
    write("scenarios/INC-1/a1.yaml", SYNTHETIC.replace("statistics:", "incomes:"))
    assert messages(project_dir) == []

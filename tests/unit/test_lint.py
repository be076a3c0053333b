"""Lint: errors, warnings, --strict, duplicates across files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.conftest import POSTMORTEM, SCENARIO, Write

from closeout.lint import lint
from closeout.project import load_project


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
    from closeout import evidence

    write(
        "scenarios/INC-1/postmortem.yaml", POSTMORTEM.replace("due: 2099-01-01", "due: 2020-01-01")
    )
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    assert any("was due" in m for m in messages(project_dir))
    project = load_project()
    evidence.write_record(project, evidence.envelope(project, "closure", "INC-1", "A1"), "c")
    assert not any("was due" in m for m in messages(project_dir))

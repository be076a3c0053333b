"""Lint reports every independent error of every file in one pass: a schema error in one field
hides neither a missing file, an unknown alert or action in another, nor the postmortem's
cross-field errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import POSTMORTEM, SCENARIO, Write

from closeout.errors import ScenarioError
from closeout.lint import lint
from closeout.loader import load_scenario
from closeout.project import load_project

# Seven mistakes of four stages: schema (an unknown key, a wrong type in a list item, a bad
# duration in `before`), references (an unknown action, an alert no rule defines), files (a
# series file that is missing) and the postmortem (a wrong type, a time out of order).
PLANTED = """\
action: A2
kind: threshold
tags: [regression]
intervall: 5m
series:
  error_rate: {file: fixtures/missing.csv, timestamp: ts, column: error_rate}
rules:
  - {alert: HighErrorRate, expr: error_rate > 0.05, for: 15m}
expect:
  - {alert: HighErrorRate, at: 55m, firing: maybe}
  - {alert: HighErrorRat, first_fires_at: 1h15m}
before:
  rules:
    - {alert: HighErrorRate, expr: error_rate > 0.1, for: 15x}
"""

EXPECTED = [
    "scenarios/INC-1/a1.yaml:1: action: no action 'A2' in INC-1",
    "scenarios/INC-1/a1.yaml:4: intervall: unknown key 'intervall' (did you mean 'interval'?)",
    "scenarios/INC-1/a1.yaml:6: series.error_rate.file: file 'fixtures/missing.csv' not found",
    "scenarios/INC-1/a1.yaml:10: expect[0].firing: expected true or false, got 'maybe'",
    "scenarios/INC-1/a1.yaml:11: expect[1].alert: no rule defines alert 'HighErrorRat' "
    "(did you mean 'HighErrorRate'?)",
    "scenarios/INC-1/a1.yaml:14: before.rules[0].for: bad duration '15x': write a number and "
    "a unit, e.g. 90s, 15m, 2h, 1d, 1w or 1h30m",
    "scenarios/INC-1/postmortem.yaml:3: severity: 'SEV9' is not one of SEV1, SEV2, SEV3, SEV4 "
    "(did you mean 'SEV4'?)",
    "scenarios/INC-1/postmortem.yaml:8: detected_at: is earlier than started_at",
]


def problems(project_dir: Path) -> list[str]:
    project = load_project()
    return [str(p) for p in lint(project, [project.scenarios_dir]).problems]


def broken_postmortem() -> str:
    return POSTMORTEM.replace("severity: SEV3", "severity: SEV9").replace(
        "detected_at: 2025-07-01T02:00:00Z", "detected_at: 2025-07-01T00:30:00Z"
    )


def test_mistakes_of_every_stage_are_reported_in_one_run(project_dir: Path, write: Write) -> None:
    write("scenarios/INC-1/postmortem.yaml", broken_postmortem())
    write("scenarios/INC-1/a1.yaml", PLANTED)
    assert problems(project_dir) == EXPECTED


def test_fixing_one_mistake_leaves_exactly_the_others(project_dir: Path, write: Write) -> None:
    write("scenarios/INC-1/postmortem.yaml", broken_postmortem())
    write("scenarios/INC-1/a1.yaml", PLANTED.replace("firing: maybe", "firing: false"))
    assert problems(project_dir) == [m for m in EXPECTED if "maybe" not in m]


def test_a_broken_list_item_does_not_shift_the_place_of_later_findings(
    project_dir: Path, write: Write
) -> None:
    text = SCENARIO.replace(
        "  - {alert: HighErrorRate, at: 55m, firing: false}\n",
        "  - {alert: HighErrorRate, at: 55m, firing: maybe}\n"
        "  - {alert: HighErrorRate, at: 1h, firing: false}\n"
        "  - {alert: Nope, never_fires: true}\n",
    )
    write("scenarios/INC-1/a1.yaml", text)
    found = problems(project_dir)
    assert found == [
        "scenarios/INC-1/a1.yaml:10: expect[0].firing: expected true or false, got 'maybe'",
        "scenarios/INC-1/a1.yaml:12: expect[2].alert: no rule defines alert 'Nope'",
    ]


def test_a_repair_never_invents_an_error(project_dir: Path, write: Write) -> None:
    # Leaving out the only expectation would leave `expect` empty: that is not reported.
    only = SCENARIO.replace(
        "  - {alert: HighErrorRate, at: 55m, firing: false}\n"
        "  - {alert: HighErrorRate, first_fires_at: 1h15m}\n",
        "  - {alert: HighErrorRate, at: 55m, firing: maybe}\n",
    )
    write("scenarios/INC-1/a1.yaml", only)
    assert problems(project_dir) == [
        "scenarios/INC-1/a1.yaml:10: expect[0].firing: expected true or false, got 'maybe'"
    ]


def test_a_scenario_with_errors_still_never_loads(project_dir: Path, write: Write) -> None:
    path = write("scenarios/INC-1/a1.yaml", PLANTED)
    with pytest.raises(ScenarioError) as raised:
        load_scenario(load_project(), path)
    assert [str(p) for p in raised.value.problems] == [
        m for m in EXPECTED if m.startswith("scenarios/INC-1/a1.yaml")
    ]


def test_a_wrong_required_value_hides_no_missing_file(project_dir: Path, write: Write) -> None:
    text = PLANTED.replace("action: A2", "action: A1").replace("intervall: 5m", "interval: 5x")
    write("scenarios/INC-1/a1.yaml", text)
    found = problems(project_dir)
    assert found[0].startswith("scenarios/INC-1/a1.yaml:4: interval: bad duration '5x'")
    missing = "series.error_rate.file: file 'fixtures/missing.csv' not found"
    assert f"scenarios/INC-1/a1.yaml:6: {missing}" in found
    assert any("no rule defines alert 'HighErrorRat'" in m for m in found)


def test_checks_that_need_the_wrong_field_wait_for_it(project_dir: Path, write: Write) -> None:
    # `series` is wrong as a whole: the checks reading it cannot run, and say nothing.
    text = SCENARIO.replace('  error_rate: "0.01x11 0.08x11 0.01x11"\n', "  error_rate: [1, 2]\n")
    write("scenarios/INC-1/a1.yaml", text.replace("action: A1", "action: A9"))
    found = problems(project_dir)
    assert [m.split(": ", 2)[1] for m in found] == ["action", "series.error_rate"]

"""The run summary says first whether each run passed and, when not, why (issue 15): a vacuous
run's fixed verdict is ``pass``, yet the item failed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.conftest import SCENARIO, Write

from closeout.cli import main
from closeout.report_text import result_of, summary_table


@pytest.fixture(autouse=True)
def plain(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain text, whatever colour setting the shell or CI running the tests has."""
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)


def row(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "incident": "INC-1",
        "action": "A1",
        "scenario": "s",
        "verdict": "pass",
        "before_verdict": "fail",
        "discriminating": True,
        "vacuous": False,
        "duration_s": 1.25,
        "passed": True,
    }
    return base | fields


@pytest.mark.parametrize(
    ("fields", "result"),
    [
        ({}, "pass"),
        ({"before_verdict": None, "discriminating": None}, "pass"),
        (
            {"before_verdict": "pass", "vacuous": True, "discriminating": False, "passed": False},
            "fail: vacuous, before passes too",
        ),
        # a row written before `passed` and `vacuous` existed says the same
        (
            {"before_verdict": "pass", "vacuous": None, "passed": None},
            "fail: vacuous, before passes too",
        ),
        ({"verdict": "fail", "passed": False}, "fail: an expectation failed"),
        (
            {"verdict": "fail", "before_verdict": "pass", "passed": False},
            "fail: an expectation failed",
        ),
        ({"verdict": "inconclusive", "passed": False}, "fail: inconclusive"),
        ({"verdict": "error", "before_verdict": None, "passed": False}, "error: could not run"),
        ({"before_verdict": "error", "passed": False}, "error: before could not run"),
    ],
)
def test_the_result_says_what_the_item_reported_and_why(
    fields: dict[str, Any], result: str
) -> None:
    assert result_of(row(**fields)) == result


def test_a_vacuous_row_reads_fail_first() -> None:
    vacuous = row(vacuous=True, before_verdict="pass", discriminating=False, passed=False)
    lines = summary_table([vacuous, row(scenario="t")]).splitlines()
    assert lines[0].split() == [
        "result",
        "incident",
        "action",
        "scenario",
        "verdict",
        "before",
        "discriminating",
        "duration",
    ]
    assert lines[2].startswith("fail: vacuous, before passes too  INC-1")
    assert lines[2].split()[-5:] == ["pass", "pass", "no", "(vacuous)", "1.25s"]
    assert lines[3].startswith("pass ")


def test_closeout_run_prints_a_vacuous_run_as_failed_first(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    # the pre-fix rule is the fixed rule: both pass, so the scenario proves nothing
    fixed = "  - {alert: HighErrorRate, expr: error_rate > 0.05, for: 15m}"
    write("scenarios/INC-1/a1.yaml", SCENARIO.replace("error_rate > 0.1", "error_rate > 0.05"))
    assert fixed in (project_dir / "scenarios/INC-1/a1.yaml").read_text()
    code = main(["run", "INC-1"])
    out = capsys.readouterr().out
    assert code == 1, out
    summary = out[out.index("result  ") :].splitlines()
    assert summary[2].startswith("fail: vacuous, before passes too  INC-1 ")
    assert summary[2].split()[5:12] == ["INC-1", "A1", "a1", "pass", "pass", "no", "(vacuous)"]

"""The runner: verdict rules, red/green, and where exceptions become verdicts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.conftest import SCENARIO, Write

from closeout.errors import DataError, SubjectError
from closeout.kind import Kind, KindResult, RunContext
from closeout.loader import load_scenario
from closeout.models import Outcome, combine
from closeout.project import load_project
from closeout.runner import run_loaded, run_side


def outcome(result: str) -> Outcome:
    return Outcome(name="x", outcome=result, observed="o", target="t")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("outcomes", "verdict"),
    [
        (["pass", "pass"], "pass"),
        (["pass", "inconclusive"], "inconclusive"),
        (["inconclusive", "fail"], "fail"),
        ([], "pass"),
    ],
)
def test_verdict_is_fail_then_inconclusive_then_pass(outcomes: list[str], verdict: str) -> None:
    assert combine([outcome(o) for o in outcomes]) == verdict


class RaisingKind(Kind):
    name = "raising"
    model = Any  # type: ignore[assignment]

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def check(self, scenario: Any, project: Any, locate: Any) -> list[Any]:
        return []

    def data_files(self, scenario: Any) -> list[str]:
        return []

    def run(self, scenario: Any, subject: Any, context: RunContext) -> KindResult:
        raise self.error


def side(error: BaseException, project_dir: Path, write: Write) -> Any:
    loaded = load_scenario(load_project(), write("scenarios/INC-1/a1.yaml", SCENARIO))
    object.__setattr__(loaded, "kind", RaisingKind(error))
    return run_side(loaded, None, None)  # type: ignore[arg-type]


def test_exception_in_user_code_is_a_fail_with_traceback(project_dir: Path, write: Write) -> None:
    result = side(SubjectError("boom", "Traceback: line 3"), project_dir, write)
    assert (result.verdict, result.traceback) == ("fail", "Traceback: line 3")


def test_bad_data_is_an_error_with_its_message(project_dir: Path, write: Write) -> None:
    result = side(DataError("fixtures/x.csv: no column 'ts'"), project_dir, write)
    assert (result.verdict, result.error) == ("error", "fixtures/x.csv: no column 'ts'")


def test_a_bug_in_closeout_is_an_error_with_traceback(project_dir: Path, write: Write) -> None:
    result = side(ZeroDivisionError("oops"), project_dir, write)
    assert result.verdict == "error" and "ZeroDivisionError" in (result.traceback or "")


def test_discriminating_scenario_passes_fixed_and_fails_before(
    project_dir: Path, write: Write
) -> None:
    project = load_project()
    run = run_loaded(
        load_scenario(project, write("scenarios/INC-1/a1.yaml", SCENARIO)), project, artifacts=False
    )
    assert (run.verdict, run.before_verdict, run.discriminating, run.vacuous, run.passed) == (
        "pass",
        "fail",
        True,
        False,
        True,
    )


def test_vacuous_scenario_fails_with_before_passing_too(project_dir: Path, write: Write) -> None:
    project = load_project()
    text = SCENARIO.replace("expr: error_rate > 0.1, for: 15m", "expr: error_rate > 0.06, for: 15m")
    run = run_loaded(
        load_scenario(project, write("scenarios/INC-1/a1.yaml", text)), project, artifacts=False
    )
    assert (run.verdict, run.before_verdict, run.discriminating, run.vacuous, run.passed) == (
        "pass",
        "pass",
        False,
        True,
        False,
    )


def test_without_before_there_is_no_pre_fix_run(project_dir: Path, write: Write) -> None:
    project = load_project()
    text = SCENARIO.split("before:")[0] + "before_unavailable: the old rules were not kept\n"
    run = run_loaded(
        load_scenario(project, write("scenarios/INC-1/a1.yaml", text)), project, artifacts=False
    )
    assert (run.before_verdict, run.discriminating, run.passed) == (None, None, True)


class BeforeErrorKind(RaisingKind):
    """Runs the fixed state like threshold does, but cannot run the pre-fix state."""

    def __init__(self, real: Kind) -> None:
        super().__init__(DataError("examples/old.py: module has no attribute 'score_v1'"))
        self.real = real

    def run(self, scenario: Any, subject: Any, context: RunContext) -> KindResult:
        if context.side == "before":
            raise self.error
        return self.real.run(scenario, subject, context)


def test_an_errored_pre_fix_run_fails_the_scenario(project_dir: Path, write: Write) -> None:
    project = load_project()
    loaded = load_scenario(project, write("scenarios/INC-1/a1.yaml", SCENARIO))
    object.__setattr__(loaded, "kind", BeforeErrorKind(loaded.kind))
    run = run_loaded(loaded, project, artifacts=False)
    assert (run.verdict, run.before_verdict, run.discriminating) == ("pass", "error", False)
    assert run.before_errored and not run.passed

"""The runner: verdict rules, red/green, and where exceptions become verdicts."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import SCENARIO, Write

from closeout import _forked
from closeout.errors import DataError, ScenarioError, SubjectError
from closeout.kind import Kind, KindResult, RunContext
from closeout.loader import load_scenario
from closeout.models import Outcome, combine
from closeout.project import load_project
from closeout.runner import DEFAULT_TIMEOUT_MS, run_loaded, run_side, timeout_of


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


def test_system_exit_raised_in_closeout_code_is_an_error_not_an_escape(
    project_dir: Path, write: Write
) -> None:
    result = side(SystemExit(3), project_dir, write)
    assert result.verdict == "error" and "SystemExit(3)" in (result.error or "")


def test_ctrl_c_during_a_run_stops_it(project_dir: Path, write: Write) -> None:
    with pytest.raises(KeyboardInterrupt):
        side(KeyboardInterrupt(), project_dir, write)


class MisbehavingKind(RaisingKind):
    """Runs like the real kind, except on ``side``, where it does ``misbehave``."""

    def __init__(self, real: Kind, side: str, misbehave: Callable[[], None]) -> None:
        super().__init__(RuntimeError("unused"))
        self.real, self.side, self.misbehave = real, side, misbehave

    def run(self, scenario: Any, subject: Any, context: RunContext) -> KindResult:
        if context.side == self.side:
            self.misbehave()
        return self.real.run(scenario, subject, context)


def misbehaving(project_dir: Path, write: Write, side: str, misbehave: Callable[[], None]) -> Any:
    project = load_project()
    loaded = load_scenario(project, write("scenarios/INC-1/a1.yaml", SCENARIO))
    object.__setattr__(loaded, "kind", MisbehavingKind(loaded.kind, side, misbehave))
    return loaded, project


needs_fork = pytest.mark.skipif(not _forked.supported(), reason="needs os.fork")


@needs_fork
def test_an_isolated_run_gives_the_same_verdicts_as_an_in_process_one(
    project_dir: Path, write: Write
) -> None:
    project = load_project()
    loaded = load_scenario(project, write("scenarios/INC-1/a1.yaml", SCENARIO))
    alone = run_loaded(loaded, project, artifacts=False, isolate=True)
    here = run_loaded(loaded, project, artifacts=False)
    assert (alone.fixed, alone.before) == (here.fixed, here.before)
    assert alone.passed


@needs_fork
def test_a_subject_calling_os_exit_is_an_error_saying_so(project_dir: Path, write: Write) -> None:
    loaded, project = misbehaving(project_dir, write, "fixed", lambda: os._exit(0))
    run = run_loaded(loaded, project, artifacts=False, isolate=True)
    assert (run.verdict, run.before) == ("error", None)
    assert "exited with code 0 before the run finished" in (run.fixed.error or "")
    assert "os._exit()" in (run.fixed.error or "")


@needs_fork
def test_a_process_vanishing_in_the_pre_fix_run_keeps_the_fixed_result(
    project_dir: Path, write: Write
) -> None:
    loaded, project = misbehaving(project_dir, write, "before", lambda: os._exit(0))
    run = run_loaded(loaded, project, artifacts=False, isolate=True)
    assert (run.verdict, run.before_verdict, run.passed) == ("pass", "error", False)
    assert "before the pre-fix (before) run finished" in (run.before.error or "")


@needs_fork
def test_a_scenario_past_its_timeout_is_stopped_as_an_error_with_the_time_it_ran(
    project_dir: Path, write: Write
) -> None:
    loaded, project = misbehaving(project_dir, write, "fixed", lambda: time.sleep(60))
    started = time.monotonic()
    run = run_loaded(loaded, project, artifacts=False, isolate=True, timeout_ms=500)
    assert time.monotonic() - started < 30
    assert run.verdict == "error"
    found = re.search(
        r"stopped after (\d+\.\d)s, past the scenario's timeout of 500ms", run.fixed.error or ""
    )
    assert found and float(found[1]) >= 0.5, run.fixed.error


def test_the_timeout_comes_from_the_scenario_else_the_default(
    project_dir: Path, write: Write
) -> None:
    project = load_project()
    plain = load_scenario(project, write("scenarios/INC-1/a1.yaml", SCENARIO))
    slow = load_scenario(project, write("scenarios/INC-1/a2.yaml", SCENARIO + "timeout: 1h30m\n"))
    assert (timeout_of(plain), timeout_of(slow)) == (DEFAULT_TIMEOUT_MS, 5_400_000)
    assert DEFAULT_TIMEOUT_MS == 600_000


@pytest.mark.parametrize("value", ["0s", "0m"])
def test_a_zero_timeout_is_refused_naming_its_line(
    project_dir: Path, write: Write, value: str
) -> None:
    path = write("scenarios/INC-1/a1.yaml", SCENARIO + f"timeout: {value}\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(load_project(), path)
    assert (
        str(caught.value) == "scenarios/INC-1/a1.yaml:15: timeout: must be longer than 0s, e.g. 10m"
    )


def test_an_isolated_run_prepares_the_kind_once_in_the_parent(
    project_dir: Path, write: Write
) -> None:
    # What prepare loads (an MLflow model) must be loaded before the fork, so the children
    # of every scenario share it; a prepare that raises never decides the verdict.
    project = load_project()
    loaded = load_scenario(project, write("scenarios/INC-1/a1.yaml", SCENARIO))
    calls: list[int] = []
    kind = loaded.kind

    class Prepared(type(kind)):  # type: ignore[misc]
        def prepare(self, scenario: Any, project: Any) -> None:
            calls.append(os.getpid())
            raise RuntimeError("registry down")

    object.__setattr__(loaded, "kind", Prepared())
    run = run_loaded(loaded, project, artifacts=False, isolate=True)
    assert (run.verdict, run.before_verdict) == ("pass", "fail")
    assert calls == [os.getpid()]


def test_the_project_timeout_applies_where_a_scenario_names_none(
    project_dir: Path, write: Write
) -> None:
    pyproject = project_dir / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + 'timeout = "2m"\n')
    project = load_project()
    plain = load_scenario(project, write("scenarios/INC-1/a1.yaml", SCENARIO))
    own = load_scenario(project, write("scenarios/INC-1/a2.yaml", SCENARIO + "timeout: 30s\n"))
    assert (timeout_of(plain, project), timeout_of(own, project)) == (120_000, 30_000)

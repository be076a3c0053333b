"""Scenario files as pytest items (SPEC §7): run the scenario, record evidence, report.

- A valid scenario file yields a ``ScenarioItem`` with id ``scenarios/INC/x.yaml::x``; its
  tags become (registered) markers, and the incident and action ids are ``-k`` keywords.
- A file that does not validate yields a ``BrokenScenarioItem`` that *errors* in setup with
  ``file:line: problem`` (a collection error would abort the whole session).
- Each run writes an evidence record unless ``--closeout-no-evidence``; its summary row
  travels in ``report.user_properties`` so the CLI (and xdist's controller) can read it.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from closeout.errors import CloseoutError, ScenarioError
from closeout.evidence import trigger_from_env, write_run
from closeout.loader import LoadedScenario, load_scenario
from closeout.mlflow_log import MlflowLogError, enabled, log_run
from closeout.plugin.failure import first_failure
from closeout.plugin.session import project_of
from closeout.project import Project
from closeout.report_text import BROKEN_PROPERTY, SUMMARY_PROPERTY, failure_report
from closeout.runner import ScenarioRun, run_loaded, timeout_of


def trigger(config: pytest.Config) -> str:
    """The trigger recorded in evidence: ``--closeout-trigger``, else from the environment."""
    chosen = config.getoption("closeout_trigger")
    if chosen:
        return str(chosen)
    try:
        return trigger_from_env()
    except CloseoutError as exc:
        raise pytest.UsageError(str(exc)) from None


class ScenarioFile(pytest.File):
    """One scenario YAML file: one item, or one erroring item when it does not validate."""

    def collect(self) -> Iterator[pytest.Item]:
        """The file's one item, with its tags as markers and its ids as keywords."""
        project = project_of(self.config)
        try:
            loaded = load_scenario(project, self.path)
        except CloseoutError as exc:
            yield BrokenScenarioItem.from_parent(self, name=self.path.stem, error=exc)
            return
        except Exception as exc:  # a bug reading one file must not abort the whole session
            error = CloseoutError(
                f"{project.display(self.path)}: internal error in closeout while reading it: "
                f"{exc!r} (a bug, please report it)"
            )
            yield BrokenScenarioItem.from_parent(self, name=self.path.stem, error=error)
            return
        item = ScenarioItem.from_parent(self, name=loaded.name, loaded=loaded)
        for tag in loaded.model.tags:
            _register_marker(self.config, tag)
            item.add_marker(tag)
        item.extra_keyword_matches.update({loaded.incident, loaded.model.action, loaded.kind.name})
        yield item


def _register_marker(config: pytest.Config, tag: str) -> None:
    # Tags are markers, and the session runs with --strict-markers: declare unknown ones.
    known = {line.split(":")[0].split("(")[0].strip() for line in config.getini("markers")}
    if tag not in known:
        config.addinivalue_line("markers", f"{tag}: closeout scenario tag")


class BrokenScenarioItem(pytest.Item):
    """Stands in for a scenario file that does not validate; errors in setup."""

    def __init__(self, *, error: CloseoutError, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error = error

    def setup(self) -> None:
        """Fail with ``file:line: problem``, telling the CLI this file is broken."""
        self.user_properties.append((BROKEN_PROPERTY, str(self.error)))
        pytest.fail(str(self.error), pytrace=False)

    def runtest(self) -> None:  # pragma: no cover - setup always fails first
        raise AssertionError("unreachable")

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """The file and (0-based) line of the problem."""
        line = self.error.location.line if isinstance(self.error, ScenarioError) else 0
        return self.path, (line - 1 if line else None), f"invalid scenario {self.name}"


class ScenarioFailed(Exception):
    """The scenario's fixed run did not pass, or it was vacuous."""

    def __init__(self, run: ScenarioRun) -> None:
        super().__init__(run.verdict)
        self.run = run


class ScenarioItem(pytest.Item):
    """One validation scenario: runs the fixed state, then the pre-fix state."""

    def __init__(self, *, loaded: LoadedScenario, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.loaded = loaded

    def runtest(self) -> None:
        """Run the scenario, record its evidence, and fail unless it passed and discriminates."""
        config = self.config
        project = project_of(config)
        no_evidence = bool(config.getoption("closeout_no_evidence"))
        run = run_loaded(
            self.loaded,
            project,
            with_before=not config.getoption("closeout_skip_before"),
            artifacts=not no_evidence,
            # A subject that exits, crashes or hangs must not take the session with it.
            isolate=True,
            timeout_ms=timeout_of(self.loaded, project),
        )
        evidence = None
        summary: dict[str, Any] = {}
        if not no_evidence:
            # A record that cannot be written (disk full) takes the run's charts with it.
            written = write_run(run, project, trigger(config), self.loaded.name)
            evidence = project.display(written)
            if enabled(project):
                summary["mlflow_log"] = _log_to_mlflow(project, written, self)
        summary = _summary(run, evidence) | summary
        self.user_properties.append((SUMMARY_PROPERTY, json.dumps(summary)))
        if not run.passed:
            raise ScenarioFailed(run)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        """Each expectation, observed against target (no traceback into closeout)."""
        if isinstance(excinfo.value, ScenarioFailed):
            # The first line is JUnit's failure message: it names the first failing
            # expectation, observed against target (SPEC §16).
            run = excinfo.value.run
            failure = first_failure(run)
            head = _failure_line(run, failure.message, failure.line) if failure else ""
            return "\n\n".join(part for part in (head, failure_report(run)) if part)
        if isinstance(excinfo.value, CloseoutError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """The scenario file and its kind."""
        return self.path, None, f"{self.loaded.kind.name} scenario {self.name}"


def _log_to_mlflow(project: Project, record_file: Path, item: pytest.Item) -> dict[str, str]:
    """Log the written record to MLflow (SPEC §13); a failure is reported, never raised: the
    verdict and the record stand."""
    try:
        return {"run_id": log_run(project, record_file)}
    except MlflowLogError as exc:
        # Past pytest's capture: the item passes, so its captured output would never show.
        capture = item.config.pluginmanager.getplugin("capturemanager")
        with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
            print(f"closeout: warning: {item.nodeid}: mlflow_log: {exc}", file=sys.stderr)
        return {"error": str(exc)}


def _failure_line(run: ScenarioRun, message: str, line: int | None) -> str:
    """``scenarios/INC/x.yaml:12: INC/A1 x: fixed state: expectation ... failed: ...``."""
    where = f"{run.loaded.display}:{line}" if line else run.loaded.display
    return f"{where}: {run.loaded.incident}/{run.loaded.model.action} {run.loaded.name}: {message}"


def _summary(run: ScenarioRun, evidence: str | None) -> dict[str, Any]:
    failure = first_failure(run)
    return {
        "incident": run.loaded.incident,
        "action": run.loaded.model.action,
        "scenario": run.loaded.name,
        "kind": run.loaded.kind.name,
        "verdict": run.verdict,
        "before_verdict": run.before_verdict,
        "discriminating": run.discriminating,
        "vacuous": run.vacuous,
        "duration_s": round(run.duration_s, 3),
        "evidence": evidence,
        "passed": run.passed,
        "path": run.loaded.display,
        "line": failure.line if failure else None,
        "failure": failure.message if failure else None,
    }

"""The pytest front door (SPEC §7): every scenario file below ``scenarios/`` is one item.

- A valid scenario file yields a ``ScenarioItem`` with id ``scenarios/INC/x.yaml::x``; its
  tags become (registered) markers, and the incident and action ids are ``-k`` keywords.
- A file that does not validate yields a ``BrokenScenarioItem`` that *errors* in setup with
  ``file:line: problem`` (a collection error would abort the whole session).
- Each run writes an evidence record unless ``--closeout-no-evidence``; its summary travels
  in ``report.user_properties`` so the CLI (and xdist's controller) can read it.
- ``@pytest.mark.closeout(incident=..., action=...)`` records a Python test's outcome.

Only this module imports pytest; the core never imports it.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from closeout.errors import CloseoutError, ScenarioError

PROPERTY = "closeout"
BROKEN_PROPERTY = "closeout_invalid"
_PROJECT_KEY = pytest.StashKey[Any]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("closeout", "closeout validation scenarios")
    group.addoption(
        "--closeout-no-evidence",
        action="store_true",
        default=False,
        help="run scenarios without writing evidence records or artifacts",
    )
    group.addoption(
        "--closeout-trigger",
        default=None,
        choices=["manual", "ci", "gate", "scheduled"],
        help="the trigger recorded in evidence (default: ci when $CI is true, else manual)",
    )
    group.addoption(
        "--closeout-skip-before",
        action="store_true",
        default=False,
        help="run only the fixed state of each scenario (no pre-fix run)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "closeout(incident, action): record this test's outcome as evidence for an action",
    )
    # Read [tool.closeout] now: a broken setting is then a clean usage error (exit 4),
    # not a collection error with a traceback.
    _project(config)


def _project(config: pytest.Config) -> Any:
    """The closeout project: walking up from where pytest was invoked, else its rootdir."""
    project = config.stash.get(_PROJECT_KEY, None)
    if project is None:
        from closeout.errors import UsageError
        from closeout.project import load_project

        try:
            project = load_project(Path(config.invocation_params.dir))
            if project.config_file is None:
                from_root = load_project(Path(config.rootpath))
                project = from_root if from_root.config_file is not None else project
        except UsageError as exc:
            raise pytest.UsageError(str(exc)) from None
        config.stash[_PROJECT_KEY] = project
    return project


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    name = file_path.name
    if file_path.suffix not in (".yaml", ".yml") or name == "postmortem.yaml" or name[0] == ".":
        return None
    project = _project(parent.config)
    if project.scenarios_dir.resolve() not in file_path.resolve().parents:
        return None
    # Without a [tool.closeout] table, only folders holding a postmortem are ours: another
    # tool's `scenarios/` folder of YAML files must not turn into failing closeout items.
    if project.config_file is None and not (file_path.parent / "postmortem.yaml").is_file():
        return None
    return ScenarioFile.from_parent(parent, path=file_path)


class ScenarioFile(pytest.File):
    """One scenario YAML file: one item, or one erroring item when it does not validate."""

    def collect(self) -> Iterator[pytest.Item]:
        from closeout.loader import load_scenario

        project = _project(self.config)
        try:
            loaded = load_scenario(project, self.path)
        except CloseoutError as exc:
            yield BrokenScenarioItem.from_parent(self, name=self.path.stem, error=exc)
            return
        item = ScenarioItem.from_parent(self, name=loaded.name, loaded=loaded)
        for tag in loaded.model.tags:
            _register_marker(self.config, tag)
            item.add_marker(tag)
        item.extra_keyword_matches.update({loaded.incident, loaded.model.action, loaded.kind.name})
        yield item


def _register_marker(config: pytest.Config, tag: str) -> None:
    known = {line.split(":")[0].split("(")[0].strip() for line in config.getini("markers")}
    if tag not in known:
        config.addinivalue_line("markers", f"{tag}: closeout scenario tag")


class BrokenScenarioItem(pytest.Item):
    """Stands in for a scenario file that does not validate; errors in setup."""

    def __init__(self, *, error: CloseoutError, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error = error

    def setup(self) -> None:
        self.user_properties.append((BROKEN_PROPERTY, str(self.error)))
        pytest.fail(str(self.error), pytrace=False)

    def runtest(self) -> None:  # pragma: no cover - setup always fails first
        raise AssertionError("unreachable")

    def reportinfo(self) -> tuple[Path, int | None, str]:
        line = self.error.location.line if isinstance(self.error, ScenarioError) else 0
        return self.path, (line - 1 if line else None), f"invalid scenario {self.name}"


class ScenarioFailed(Exception):
    """The scenario's fixed run did not pass, or it was vacuous."""

    def __init__(self, run: Any) -> None:
        super().__init__(run.verdict)
        self.run = run


class ScenarioItem(pytest.Item):
    """One validation scenario: runs the fixed state, then the pre-fix state."""

    def __init__(self, *, loaded: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.loaded = loaded

    def runtest(self) -> None:
        from closeout.evidence import run_record, trigger_from_env, write_record
        from closeout.runner import run_loaded

        config = self.config
        project = _project(config)
        no_evidence = bool(config.getoption("closeout_no_evidence"))
        run = run_loaded(
            self.loaded,
            project,
            with_before=not config.getoption("closeout_skip_before"),
            artifacts=not no_evidence,
        )
        evidence = None
        if not no_evidence:
            trigger = config.getoption("closeout_trigger") or _trigger(trigger_from_env)
            record = run_record(run, project, trigger)
            evidence = project.display(write_record(project, record, self.loaded.name))
        self.user_properties.append((PROPERTY, json.dumps(_summary(run, evidence))))
        if not run.passed:
            raise ScenarioFailed(run)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, ScenarioFailed):
            from closeout.report_text import failure_report

            return failure_report(excinfo.value.run)
        if isinstance(excinfo.value, CloseoutError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.loaded.kind.name} scenario {self.name}"


def _trigger(read: Any) -> str:
    try:
        return str(read())
    except CloseoutError as exc:
        raise pytest.UsageError(str(exc)) from None


def _summary(run: Any, evidence: str | None) -> dict[str, Any]:
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
    }


# --------------------------------------------------------------------------- marked tests

_MARKER_PROBLEM = pytest.StashKey[str]()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A ``closeout`` marker must name an existing incident and action, or the test errors."""
    marker = item.get_closest_marker("closeout")
    if marker is None or isinstance(item, ScenarioItem | BrokenScenarioItem):
        return
    problem = _marker_problem(item, marker)
    if problem:
        item.stash[_MARKER_PROBLEM] = problem
        pytest.fail(f"{item.nodeid}: @pytest.mark.closeout: {problem}", pytrace=False)


def _marker_problem(item: pytest.Item, marker: pytest.Mark) -> str:
    from closeout.loader import load_postmortem
    from closeout.models import IDENTIFIER, suggest

    incident, action = marker.kwargs.get("incident"), marker.kwargs.get("action")
    if not (isinstance(incident, str) and IDENTIFIER.match(incident)):
        return "incident= must be an incident id"
    if not (isinstance(action, str) and IDENTIFIER.match(action)):
        return "action= must be an action id"
    project = _project(item.config)
    path = project.scenarios_dir / incident / "postmortem.yaml"
    if not path.is_file():
        incidents = [p.name for p in project.scenarios_dir.glob("*") if p.is_dir()]
        return f"no incident '{incident}'{suggest(incident, incidents)}"
    try:
        postmortem, _ = load_postmortem(project, path)
    except CloseoutError as exc:
        return f"the postmortem does not validate: {exc}"
    actions = [a.id for a in postmortem.actions]
    if action not in actions:
        return f"no action '{action}' in {incident}{suggest(action, actions)}"
    return ""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    marker = item.get_closest_marker("closeout")
    if marker is None or isinstance(item, ScenarioItem | BrokenScenarioItem):
        return
    if not (report.when == "call" or (report.when == "setup" and report.failed)):
        return
    if report.skipped or item.config.getoption("closeout_no_evidence"):
        return
    if _MARKER_PROBLEM in item.stash:
        return
    _record_marked_test(item, marker, report)


def _test_label(nodeid: str) -> str:
    """A file-safe, unique name for a test: parametrized cases and same-named tests in
    different files are different evidence, so the whole node id is used."""
    import hashlib

    label = "".join(c if c.isalnum() or c in "._-" else "_" for c in nodeid).strip("_")
    if len(label) > 64:
        label = f"{label[:55]}-{hashlib.sha256(nodeid.encode()).hexdigest()[:8]}"
    return label or "test"


def _report_start(report: pytest.TestReport) -> Any:
    from datetime import UTC, datetime

    start = getattr(report, "start", None)
    return datetime.fromtimestamp(start, UTC) if isinstance(start, float | int) else None


def _record_marked_test(item: pytest.Item, marker: pytest.Mark, report: pytest.TestReport) -> None:
    from closeout.evidence import pytest_record, trigger_from_env, write_record

    incident, action = str(marker.kwargs["incident"]), str(marker.kwargs["action"])
    project = _project(item.config)
    label = _test_label(item.nodeid)
    trigger = item.config.getoption("closeout_trigger") or _trigger(trigger_from_env)
    record = pytest_record(
        project,
        incident,
        action,
        label,
        item.nodeid,
        Path(str(item.path)),
        report.passed,
        report.duration,
        trigger,
        None if report.passed else str(report.longrepr),
        started_at=_report_start(report),
    )
    path = write_record(project, record, label)
    report.user_properties.append(
        (
            PROPERTY,
            json.dumps(
                {
                    "incident": incident,
                    "action": action,
                    "scenario": label,
                    "kind": "pytest",
                    "verdict": record["verdict"],
                    "before_verdict": None,
                    "discriminating": None,
                    "vacuous": False,
                    "duration_s": round(report.duration, 3),
                    "evidence": project.display(path),
                }
            ),
        )
    )

"""``closeout lint``: validate postmortems and scenarios without running anything.

Errors are what ``load_postmortem`` / ``load_scenario`` raise (duplicate scenario names
included): every independent problem of every file, in one pass. Warnings are the SPEC §3
advisories (uncovered actions and root causes, past dues), decided on each action's state as
``closeout status`` derives it (``state.derive`` over the records that count), so a waiver
record or a closure settles an action for lint exactly as it does for status.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from closeout.callables import module_names
from closeout.errors import CloseoutError, Location, Problem, ScenarioError
from closeout.lifecycle import Archive
from closeout.lint_investigation import investigation_problems
from closeout.loader import (
    POSTMORTEM_FILE,
    LoadedScenario,
    is_scenario_file,
    load_postmortem,
    load_scenario,
    locate,
    read_raw,
)
from closeout.models import Postmortem
from closeout.project import Project
from closeout.state import ActionStatus, derive
from closeout.store import UnhashedInputs


@dataclass
class LintReport:
    problems: list[Problem] = field(default_factory=list)
    files: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


def incident_folders(project: Project, paths: list[Path]) -> dict[Path, list[Path]]:
    """Map each incident folder to the files of it that were asked for."""
    folders: dict[Path, list[Path]] = {}
    for path in paths:
        # A folder named like a YAML file (an unpacked postmortem.yaml) is linted as the
        # file it stands in for, so the loader can say what it is.
        if path.is_file() or path.suffix in (".yaml", ".yml"):
            folders.setdefault(path.parent, []).append(path)
            continue
        subfolders = [
            c for c in sorted(path.iterdir()) if c.is_dir() and not c.name.startswith(".")
        ]
        # A folder is an incident when it holds a postmortem, or scenario files and no
        # incident folders (a forgotten postmortem is then reported); otherwise recurse.
        if (path / POSTMORTEM_FILE).is_file() or not subfolders:
            folders.setdefault(path, []).extend(sorted(path.iterdir()))
            continue
        for child in subfolders:
            folders.setdefault(child, []).extend(sorted(child.iterdir()))
    return folders


def lint(project: Project, paths: list[Path], today: date | None = None) -> LintReport:
    """Lint the given files and folders (default: the whole scenarios folder)."""
    report = LintReport()
    seen: set[str] = set()
    # One view of the evidence (keys read once) for every incident, made only when needed.
    archive = cache(lambda: Archive(project))
    for folder, files in incident_folders(project, paths).items():
        for problem in _lint_incident(project, folder, files, today or date.today(), archive):
            if str(problem) not in seen:
                seen.add(str(problem))
                report.problems.append(problem)
        report.files += sum(1 for f in files if f.suffix in (".yaml", ".yml"))
    report.problems.sort(key=lambda p: (p.location.path, p.location.line, p.severity))
    return report


def _lint_incident(
    project: Project,
    folder: Path,
    files: list[Path],
    today: date,
    archive: Callable[[], Archive],
) -> list[Problem]:
    problems: list[Problem] = []
    postmortem_path = folder / POSTMORTEM_FILE
    postmortem, raw = None, None
    if postmortem_path.exists():  # a directory of that name is an error, not "no postmortem"
        try:
            postmortem, raw = load_postmortem(project, postmortem_path)
        except ScenarioError as exc:
            problems += exc.problems
    loaded: list[LoadedScenario] = []
    all_scenarios = [f for f in sorted(folder.iterdir()) if f.is_file() and is_scenario_file(f)]
    for path in all_scenarios:
        try:
            loaded.append(load_scenario(project, path))
        except ScenarioError as exc:
            if path in files:
                problems += exc.problems
        except CloseoutError as exc:
            problems.append(Problem(Location(project.display(path)), "", str(exc)))
    problems += [w for s in loaded if s.path in files for w in _shadow_warnings(project, s)]
    problems += [n for s in loaded if s.path in files for n in _notes(project, s)]
    if postmortem is not None and postmortem_path in files:
        display = project.display(postmortem_path)
        states = _states(archive(), folder.name, postmortem, today)
        problems += _warnings(postmortem, raw, display, loaded, all_scenarios, states)
        problems += investigation_problems(postmortem, raw, display, project.policy)
    return problems


def _notes(project: Project, scenario: LoadedScenario) -> list[Problem]:
    """What the kind wants the author to know (``info``), located in the scenario file."""
    raw, _ = read_raw(scenario.path, scenario.display)
    return scenario.kind.notes(
        scenario.model, project, lambda loc: locate(raw, loc, scenario.display)
    )


def _shadow_warnings(project: Project, scenario: LoadedScenario) -> list[Problem]:
    """A callable's module named like a standard-library module: when the standard library's
    is imported first (it usually is), that one runs and the run is an error."""
    text = scenario.path.read_text(encoding="utf-8", errors="replace")
    problems = []
    for path in scenario.kind.code_files(scenario.model, project):
        for module in module_names(path, project):
            top = module.partition(".")[0]
            if top not in sys.stdlib_module_names or f"{module}:" not in text:
                continue
            line = text[: text.index(f"{module}:")].count("\n") + 1
            problems.append(
                Problem(
                    Location(scenario.display, line),
                    "",
                    f"module '{module}' ({project.display(path)}) has the name of the "
                    f"standard-library module '{top}', which Python imports instead of it "
                    "when already loaded: rename it",
                    "warning",
                )
            )
    return problems


def _states(
    archive: Archive, incident: str, postmortem: Postmortem, today: date
) -> dict[str, ActionStatus]:
    """Each action's state, derived as ``closeout status`` derives it (the same records that
    count, the same rules): lint and status agree on what is waived, settled or overdue.
    Inputs are not hashed: staleness is status's business, and lint reads no data."""
    statuses = derive(
        incident,
        postmortem,
        archive.scenarios(incident),
        archive.summaries(incident),
        archive.clock,
        UnhashedInputs(archive.project),
        today,
    )
    return {status.action.id: status for status in statuses}


def _warnings(
    pm: Postmortem,
    raw: object,
    display: str,
    loaded: list[LoadedScenario],
    scenario_files: list[Path],
    states: dict[str, ActionStatus],
) -> list[Problem]:
    covered = {s.model.action for s in loaded}
    # A scenario file that failed to load may still name its action; don't double-warn.
    unreadable = len(scenario_files) - len(loaded)
    problems = []
    for index, action in enumerate(pm.actions):
        where = locate(raw, ("actions", index, "id"), display)
        status = states[action.id]
        # Waived in the postmortem or by a `closeout waive` record, or not_doing: as state says.
        settled = status.state in ("waived", "not_doing")
        if action.id not in covered and not settled and not unreadable:
            problems.append(
                Problem(
                    where,
                    f"actions[{index}]",
                    f"action {action.id} has no scenario, no waiver and is not not_doing",
                    "warning",
                )
            )
        if status.overdue:
            problems.append(
                Problem(
                    locate(raw, ("actions", index, "due"), display),
                    f"actions[{index}].due",
                    f"action {action.id} was due {action.due}",
                    "warning",
                )
            )
    addressed = {cause for action in pm.actions for cause in action.addresses}
    for index, cause in enumerate(pm.root_causes):
        if cause.id not in addressed:
            problems.append(
                Problem(
                    locate(raw, ("root_causes", index, "id"), display),
                    f"root_causes[{index}]",
                    f"root cause {cause.id} is addressed by no action",
                    "warning",
                )
            )
    return problems

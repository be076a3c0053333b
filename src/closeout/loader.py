"""From YAML files to typed models, with every problem located at ``file:line``.

``load_postmortem`` and ``load_scenario`` raise ``ScenarioError`` holding every problem
found; nothing here runs user code or reads data files (it only checks they exist).
"""

from __future__ import annotations

import hashlib
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from closeout import _yaml
from closeout.errors import Location, Problem, ScenarioError
from closeout.kind import AnyKind
from closeout.kinds import KindLoadError, all_kind_names, get_kind, kind_names
from closeout.models import IDENTIFIER, Postmortem, ScenarioBase, suggest
from closeout.project import Project
from closeout.validation import locate as locate  # callers know it from here
from closeout.validation import validate as validate
from closeout.validation import validate_partially

POSTMORTEM_FILE = "postmortem.yaml"
SCENARIO_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with everything the runner needs to know about it."""

    path: Path
    display: str
    incident: str
    name: str
    kind: AnyKind
    model: ScenarioBase
    postmortem: Postmortem
    sha256: str


def is_scenario_file(path: Path) -> bool:
    return path.suffix in SCENARIO_SUFFIXES and path.name != POSTMORTEM_FILE


def read_raw(path: Path, display: str) -> tuple[Any, str]:
    """Parse the file; return the raw data (``LineDict``) and its sha256."""
    data = _yaml.load_file(path, display)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if data is None:
        raise ScenarioError(Problem(Location(display, 1), "", "the file is empty"))
    if not isinstance(data, _yaml.LineDict):
        raise ScenarioError(
            Problem(
                Location(display, getattr(data, "line", 1) or 1),
                "",
                f"expected a mapping of keys at the top, got {_what(data)}",
            )
        )
    return data, digest


def _what(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    return "a number" if isinstance(value, int | float) else f"a {type(value).__name__}"


# --------------------------------------------------------------------------- postmortems


def load_postmortem(project: Project, path: Path) -> tuple[Postmortem, Any]:
    """Load and fully check a postmortem (structure and cross-field rules); cached per file."""
    try:
        stat = path.stat()
    except OSError:
        stat = None
    key = (str(path.resolve()), stat.st_mtime_ns if stat else 0, stat.st_size if stat else 0)
    if key not in _POSTMORTEMS:
        try:
            _POSTMORTEMS[key] = _load_postmortem(project, path)
        except ScenarioError as exc:
            _POSTMORTEMS[key] = exc
    cached = _POSTMORTEMS[key]
    if isinstance(cached, ScenarioError):
        raise cached
    return cached


_POSTMORTEMS: dict[tuple[str, int, int], tuple[Postmortem, Any] | ScenarioError] = {}


def _load_postmortem(project: Project, path: Path) -> tuple[Postmortem, Any]:
    display = project.display(path)
    raw, _ = read_raw(path, display)
    # Schema errors do not hide the cross-field rules: those run on what the errors left.
    partial = validate_partially(Postmortem, raw, display)
    problems = list(partial.problems)
    problems += partial.checked(lambda pm: postmortem_problems(pm, raw, display, path.parent.name))
    if problems or partial.model is None:
        raise PostmortemError(problems, str(raw.get("id", "")), _action_ids(raw))
    return partial.model, raw


class PostmortemError(ScenarioError):
    """A postmortem with errors, and the action ids it declares all the same (a scenario's
    ``action`` can still be checked against them)."""

    def __init__(self, problems: list[Problem], incident: str, actions: list[str]) -> None:
        super().__init__(problems)
        self.incident = incident
        self.actions = actions


def _action_ids(raw: Any) -> list[str]:
    """The ids the raw postmortem gives its actions, whatever else is wrong with it."""
    actions = raw.get("actions")
    if not isinstance(actions, list):
        return []
    ids = (a.get("id") for a in actions if isinstance(a, dict))
    return [str(i) for i in ids if isinstance(i, str | int) and not isinstance(i, bool)]


def postmortem_problems(pm: Postmortem, raw: Any, display: str, folder: str) -> list[Problem]:
    """Cross-field rules of SPEC §3 that are errors."""

    def at(*loc: str | int) -> Location:
        return locate(raw, loc, display)

    problems: list[Problem] = []
    if pm.id != folder:
        problems.append(Problem(at("id"), "id", f"'{pm.id}' must equal the folder name '{folder}'"))
    problems += _duplicates([rc.id for rc in pm.root_causes], "root_causes", at)
    problems += _duplicates([a.id for a in pm.actions], "actions", at)
    problems += _time_order(pm, at)
    for index in range(1, len(pm.timeline)):
        if pm.timeline[index].at < pm.timeline[index - 1].at:
            problems.append(
                Problem(
                    at("timeline", index, "at"),
                    f"timeline[{index}].at",
                    "the timeline is not in time order",
                )
            )
    causes = [rc.id for rc in pm.root_causes]
    for index, action in enumerate(pm.actions):
        for j, cause in enumerate(action.addresses):
            if cause not in causes:
                problems.append(
                    Problem(
                        at("actions", index, "addresses", j),
                        f"actions[{index}].addresses[{j}]",
                        f"no root cause '{cause}'{suggest(cause, causes)}",
                    )
                )
    return problems


def _duplicates(ids: list[str], section: str, at: Any) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for index, identifier in enumerate(ids):
        if identifier in seen:
            problems.append(
                Problem(
                    at(section, index, "id"),
                    f"{section}[{index}].id",
                    f"duplicate id '{identifier}'",
                )
            )
        seen.add(identifier)
    return problems


def _time_order(pm: Postmortem, at: Any) -> list[Problem]:
    order = ["started_at", "detected_at", "diagnosed_at", "mitigated_at", "resolved_at"]
    problems, previous = [], None
    for name in order:
        value = getattr(pm, name)
        if value is None:
            continue
        if previous is not None and value < getattr(pm, previous):
            problems.append(Problem(at(name), name, f"is earlier than {previous}"))
        previous = name
    return problems


# --------------------------------------------------------------------------- scenarios


def load_scenario(project: Project, path: Path) -> LoadedScenario:
    """Load a scenario, its kind and its incident's postmortem; raise ScenarioError.

    Every independent problem is reported at once: a schema error in one field does not hide
    a missing file in another, a wrong ``action`` or a missing postmortem.
    """
    display = project.display(path)
    raw, digest = read_raw(path, display)
    problems: list[Problem] = []
    kind, scenario = None, None
    try:
        kind = _kind_of(raw, display)
    except ScenarioError as exc:
        problems += exc.problems
    if kind is not None:
        scenario, found = _validate_scenario(project, kind, raw, display)
        problems += found
    name = scenario.scenario_name(path.stem) if scenario is not None else _name_of(raw, path.stem)
    if raw.get("name") is None and not IDENTIFIER.match(path.stem):
        problems.append(
            Problem(
                Location(display, 1),
                "name",
                f"file name '{path.stem}' is not an identifier; set `name:`",
            )
        )
    postmortem_path = path.parent / POSTMORTEM_FILE
    if not postmortem_path.exists():  # a directory of that name is reported when loading it
        problems.append(
            Problem(
                Location(display, 1),
                "",
                f"no {POSTMORTEM_FILE} beside this scenario (in {project.display(path.parent)})",
            )
        )
        raise ScenarioError(problems)
    problems += _name_clashes(project, path, name, raw, display)
    try:
        postmortem, _ = load_postmortem(project, postmortem_path)
    except ScenarioError as exc:
        if isinstance(exc, PostmortemError) and exc.actions:
            problems += _action_problems(raw, display, exc.incident, exc.actions)
        raise ScenarioError(problems + exc.problems) from None
    problems += _action_problems(raw, display, postmortem.id, [a.id for a in postmortem.actions])
    if problems or kind is None or scenario is None:
        raise ScenarioError(problems)
    return LoadedScenario(
        path=path,
        display=display,
        incident=postmortem.id,
        name=name,
        kind=kind,
        model=scenario,
        postmortem=postmortem,
        sha256=digest,
    )


def _validate_scenario(
    project: Project, kind: AnyKind, raw: Any, display: str
) -> tuple[ScenarioBase | None, list[Problem]]:
    """The scenario (None on schema errors) and every problem: schema errors, and the kind's
    checks on what the schema errors left untouched."""
    partial = validate_partially(kind.model, raw, display)
    problems = list(partial.problems)
    where = partial.original
    problems += partial.checked(
        lambda scenario: kind.check(scenario, project, lambda loc: locate(raw, where(loc), display))
    )
    return partial.model, problems


def _name_of(raw: Any, stem: str) -> str:
    """The scenario's name as written (``name:``, else the file name), valid or not."""
    value = raw.get("name")
    return value if isinstance(value, str) and IDENTIFIER.match(value) else stem


def _action_problems(raw: Any, display: str, incident: str, actions: list[str]) -> list[Problem]:
    """``action`` names none of the ``actions`` (a malformed one is a schema error)."""
    action = raw.get("action")
    if not isinstance(action, str | int) or isinstance(action, bool) or str(action) in actions:
        return []
    if not IDENTIFIER.match(str(action)):
        return []
    return [
        Problem(
            locate(raw, ("action",), display),
            "action",
            f"no action '{action}' in {incident}{suggest(str(action), actions)}",
        )
    ]


def _name_clashes(project: Project, path: Path, name: str, raw: Any, display: str) -> list[Problem]:
    """Another scenario file of the incident with the same name: evidence, state and pytest
    ids go by name, so both files are refused, each naming the other."""
    problems = []
    try:
        siblings = sorted(path.parent.iterdir())
    except OSError:  # a folder that can be entered but not listed: nothing to compare
        siblings = []
    for other in siblings:
        if other == path or other.name.startswith(".") or not is_scenario_file(other):
            continue
        declared = _declared_name(other)
        if declared is not None and declared[0] == name:
            where = locate(raw, ("name",), display) if "name" in raw else Location(display, 1)
            problems.append(
                Problem(
                    where,
                    "name",
                    f"scenario name '{name}' is also used by {project.display(other)}:"
                    f"{declared[1]}: names must be unique within an incident",
                )
            )
    return problems


def _declared_name(path: Path) -> tuple[str, int] | None:
    """A scenario file's name (``name:`` or the file name) and its line; None if unreadable."""
    try:
        info = path.stat()
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):  # a FIFO would block the reader
        return None
    key = (str(path), info.st_mtime_ns, info.st_size)
    if key not in _NAMES:
        try:
            raw = _yaml.load_file(path, path.name)
        except ScenarioError:
            raw = None
        if isinstance(raw, _yaml.LineDict) and isinstance(raw.get("name"), str):
            _NAMES[key] = (raw["name"], raw.line_of("name"))
        else:
            _NAMES[key] = (path.stem, 1) if raw is not None else None
    return _NAMES[key]


_NAMES: dict[tuple[str, int, int], tuple[str, int] | None] = {}


def _kind_of(raw: Any, display: str) -> AnyKind:
    value = raw.get("kind")
    where = locate(raw, ("kind",), display)
    if value is None:
        raise ScenarioError(
            Problem(where, "kind", f"missing required field (one of {', '.join(all_kind_names())})")
        )
    if not isinstance(value, str) or value not in all_kind_names():
        raise ScenarioError(
            Problem(
                where,
                "kind",
                f"unknown kind {value!r}"
                f"{suggest(str(value), all_kind_names())}; kinds: "
                f"{', '.join(all_kind_names())}",
            )
        )
    if value not in kind_names():
        raise ScenarioError(
            Problem(
                where,
                "kind",
                f"kind '{value}' is not available in this "
                f"version of closeout (available: {', '.join(kind_names())})",
            )
        )
    try:
        return get_kind(value)
    except KindLoadError as exc:  # a plugin kind that is installed but broken
        raise ScenarioError(Problem(where, "kind", str(exc))) from None

"""Command handlers for scenario files: init, lint and schema (parse, call the core, print)."""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

from closeout.cli.output import EXIT_OK, EXIT_USAGE, emit, note, say
from closeout.errors import UsageError
from closeout.kinds import get_kind
from closeout.lint import lint
from closeout.models import IDENTIFIER
from closeout.project import Project, load_project
from closeout.schema import json_schema

_INIT_DAYS_TO_DUE = 30
_INIT_SCENARIO_KIND = "threshold"
_INIT_SCENARIO_FILE = "a1-alert-fires.yaml"


def cmd_init(args: argparse.Namespace) -> int:
    """Scaffold ``scenarios/INCIDENT/`` with a postmortem and a threshold scenario."""
    if not IDENTIFIER.match(args.incident):
        raise UsageError(
            f"'{args.incident}' is not a valid incident id (letters, digits, "
            "'.', '_', '-'; at most 64 characters)"
        )
    project = load_project()
    folder = project.scenarios_dir / args.incident
    if folder.exists():
        raise UsageError(f"{project.display(folder)} already exists; not overwriting it")
    folder.mkdir(parents=True)
    written = [
        _scaffold(project, folder / name, text, args.incident) for text, name in _init_files()
    ]
    if args.json:
        emit({"created": written})
    else:
        say("\n".join(f"created {p}" for p in written))
        say(f"next: edit them, then `closeout lint {project.display(folder)}`")
    return EXIT_OK


def _init_files() -> list[tuple[str, str]]:
    """The template text and file name of each file ``init`` writes."""
    postmortem = resources.files("closeout") / "templates" / "postmortem.yaml"
    return [
        (postmortem.read_text(encoding="utf-8"), "postmortem.yaml"),
        (get_kind(_INIT_SCENARIO_KIND).template() or "", _INIT_SCENARIO_FILE),
    ]


def _scaffold(project: Project, target: Path, template: str, incident: str) -> str:
    """Write ``template`` with its placeholders filled to ``target``; its display path."""
    today = date.today()
    values = {
        "__INCIDENT__": incident,
        "__TODAY__": today.isoformat(),
        "__DUE__": (today + timedelta(days=_INIT_DAYS_TO_DUE)).isoformat(),
    }
    text = template
    for key, value in values.items():
        text = text.replace(key, value)
    target.write_text(text, encoding="utf-8")
    return project.display(target)


def cmd_lint(args: argparse.Namespace) -> int:
    """Validate postmortems and scenarios; exit 2 on an error (or a warning with --strict)."""
    project = load_project()
    paths = [Path(p) for p in args.paths] or [project.scenarios_dir]
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
    report = lint(project, [p.resolve() for p in paths])
    failing = report.errors + (report.warnings if args.strict else [])
    if args.json:
        emit(
            {
                "files": report.files,
                "problems": [
                    {
                        "path": p.location.path,
                        "line": p.location.line,
                        "field": p.field,
                        "severity": p.severity,
                        "message": p.message,
                    }
                    for p in report.problems
                ],
            }
        )
    else:
        for problem in report.problems:
            say(str(problem))
        note(
            f"{report.files} file(s): {len(report.errors)} error(s), "
            f"{len(report.warnings)} warning(s)"
        )
    return EXIT_USAGE if failing else EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    """Print the JSON Schema of a postmortem or a scenario file."""
    emit(json_schema(args.which))
    return EXIT_OK

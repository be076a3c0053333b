"""Command handlers for scenario files: init, lint and schema (parse, call the core, print)."""

from __future__ import annotations

import argparse
import io
import json
import os
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

from closeout.cli.output import EXIT_OK, EXIT_USAGE, emit, note, say
from closeout.errors import UsageError
from closeout.kinds import get_kind, kind_names
from closeout.lint import lint
from closeout.loader import POSTMORTEM_FILE
from closeout.models import IDENTIFIER, suggest
from closeout.project import Project, load_project
from closeout.schema import json_schema

_INIT_DAYS_TO_DUE = 30
_DEFAULT_KIND = "threshold"
# The threshold scaffold keeps the name it always had; other kinds are named after the kind.
_SCENARIO_FILES = {"threshold": "a1-alert-fires.yaml"}
# Where `init` writes the JSON Schemas the `$schema` line of every YAML file points at: a
# relative path works offline and in every editor using yaml-language-server.
SCHEMA_DIR = Path(".closeout") / "schema"
_SCHEMA_LINE = "# yaml-language-server: $schema="


def cmd_init(args: argparse.Namespace) -> int:
    """Scaffold ``scenarios/INCIDENT/`` with a postmortem and a scenario of ``--kind``.

    An existing incident folder gets only the scenario (``--kind`` given, file absent)."""
    if not IDENTIFIER.match(args.incident):
        raise UsageError(
            f"'{args.incident}' is not a valid incident id (letters, digits, "
            "'.', '_', '-'; at most 64 characters)"
        )
    kind_name = args.kind or _DEFAULT_KIND
    if kind_name not in kind_names():
        known = kind_names()
        raise UsageError(
            f"unknown kind '{kind_name}'{suggest(kind_name, known)}; kinds: {', '.join(known)}"
        )
    template = get_kind(kind_name).template()
    if template is None:
        raise UsageError(f"kind '{kind_name}' ships no scenario template: write one by hand")
    project = load_project()
    folder = project.scenarios_dir / args.incident
    scenario = folder / _SCENARIO_FILES.get(kind_name, f"a1-{kind_name.replace('_', '-')}.yaml")
    adding = folder.exists() and args.kind is not None and (folder / POSTMORTEM_FILE).is_file()
    if folder.exists() and not adding:
        raise UsageError(f"{project.display(folder)} already exists; not overwriting it")
    if scenario.exists():
        raise UsageError(f"{project.display(scenario)} already exists; not overwriting it")
    schemas = write_schemas(project)
    folder.mkdir(parents=True, exist_ok=True)
    files = [] if adding else [(_postmortem_template(), folder / POSTMORTEM_FILE, "postmortem")]
    files.append((template, scenario, "scenario"))
    written = [
        _scaffold(project, target, _with_schema_line(text, target, schemas[which]), args.incident)
        for text, target, which in files
    ]
    written += _scaffold_files(project, kind_name, args.incident)
    if args.json:
        emit({"created": written, "schemas": [project.display(p) for p in schemas.values()]})
    else:
        say("\n".join(f"created {p}" for p in written))
        say(f"next: edit them, then `closeout lint {project.display(folder)}`")
    return EXIT_OK


def write_schemas(project: Project) -> dict[str, Path]:
    """Write (or refresh) ``.closeout/schema/{postmortem,scenario}.json``; their paths."""
    folder = project.root / SCHEMA_DIR
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for which in ("postmortem", "scenario"):
        path = folder / f"{which}.json"
        path.write_text(json.dumps(json_schema(which), indent=2) + "\n", encoding="utf-8")
        paths[which] = path
    return paths


def _postmortem_template() -> str:
    return (resources.files("closeout") / "templates" / "postmortem.yaml").read_text("utf-8")


def _with_schema_line(text: str, target: Path, schema: Path) -> str:
    """The template with the ``$schema`` line first, pointing at ``schema`` relatively."""
    relative = Path(os.path.relpath(schema, target.parent)).as_posix()
    return f"{_SCHEMA_LINE}{relative}\n{text}"


def _scaffold_files(project: Project, kind_name: str, incident: str) -> list[str]:
    """The starter files a kind's scaffold reads (data, a subject to replace), from
    ``closeout/templates/scaffold/<kind>/`` into ``fixtures/INCIDENT/``; never overwritten.

    Placeholders are filled in every file; ``X.tmpl`` is written as ``X`` (a template of a
    Python file is no module of closeout) and ``X.parquet.csv`` as the Parquet file ``X.parquet``
    (its times follow the day of ``init``, so it cannot ship as Parquet).
    """
    source = resources.files("closeout") / "templates" / "scaffold" / kind_name
    if not source.is_dir():
        return []
    target = project.root / "fixtures" / incident
    written = []
    for item in sorted(source.iterdir(), key=lambda entry: entry.name):
        name = item.name.removesuffix(".tmpl").removesuffix(".csv")
        name = name if name.endswith(".parquet") else item.name.removesuffix(".tmpl")
        path = target / name
        if not item.is_file() or path.exists():
            continue
        target.mkdir(parents=True, exist_ok=True)
        text = _filled(item.read_text("utf-8"), incident)
        if path.suffix == ".parquet":
            if not _write_parquet(path, text):
                note(f"not written: {project.display(path)} (needs pyarrow: closeout[drift])")
                continue
        else:
            path.write_text(text, encoding="utf-8")
        written.append(project.display(path))
    return written


def _write_parquet(path: Path, csv_text: str) -> bool:
    """Write CSV text as a Parquet file; False when pyarrow is not installed."""
    try:
        import pyarrow.csv as pa_csv
        import pyarrow.parquet as pq
    except ImportError:
        return False
    pq.write_table(pa_csv.read_csv(io.BytesIO(csv_text.encode("utf-8"))), path)
    return True


def _filled(template: str, incident: str) -> str:
    """``template`` with the placeholders ``init`` fills."""
    today = date.today()
    values = {
        "__INCIDENT__": incident,
        "__TODAY__": today.isoformat(),
        "__YESTERDAY__": (today - timedelta(days=1)).isoformat(),
        "__DUE__": (today + timedelta(days=_INIT_DAYS_TO_DUE)).isoformat(),
    }
    for key, value in values.items():
        template = template.replace(key, value)
    return template


def _scaffold(project: Project, target: Path, template: str, incident: str) -> str:
    """Write ``template`` with its placeholders filled to ``target``; its display path."""
    target.write_text(_filled(template, incident), encoding="utf-8")
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

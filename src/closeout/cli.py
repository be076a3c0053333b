"""The command line (SPEC §6): parse, call the core, print. Exit codes:

0 success; 1 the work ran and the answer is no; 2 bad input or usage; 3 a bug in closeout.

Only argparse is imported at start-up; every command imports what it needs, so
``closeout --help`` stays fast and never loads pydantic, pandas or evidently.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_NO, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3


def build_parser() -> argparse.ArgumentParser:
    from closeout import __version__

    parser = argparse.ArgumentParser(
        prog="closeout",
        description="Close ML-incident postmortem action items on evidence.",
        epilog="exit codes: 0 ok, 1 the answer is no, 2 bad input or usage",
    )
    parser.add_argument("--version", action="version", version=f"closeout {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    init = commands.add_parser("init", help="scaffold a postmortem and a scenario template")
    init.add_argument("incident", metavar="INCIDENT")
    init.add_argument("--json", action="store_true", help="machine-readable output")
    init.set_defaults(handler=cmd_init)

    lint = commands.add_parser("lint", help="validate postmortems and scenarios (runs nothing)")
    lint.add_argument("paths", nargs="*", metavar="PATH")
    lint.add_argument("--strict", action="store_true", help="treat warnings as errors")
    lint.add_argument("--json", action="store_true", help="machine-readable output")
    lint.set_defaults(handler=cmd_lint)

    run = commands.add_parser("run", help="run scenarios (pytest underneath) and record evidence")
    run.add_argument(
        "selectors",
        nargs="*",
        metavar="SELECTOR",
        help="INC, INC/ACTION, INC/ACTION/SCENARIO or a path (default: all)",
    )
    run.add_argument("--json", action="store_true", help="print the summary as JSON")
    run.add_argument("--no-evidence", action="store_true", help="write no evidence records")
    run.add_argument("--junitxml", metavar="PATH", help="also write a JUnit XML report")
    run.add_argument("-n", "--numprocesses", metavar="N", help="run in parallel with pytest-xdist")
    run.set_defaults(handler=cmd_run)

    _add_lifecycle(commands)
    _add_reports(commands)

    schema = commands.add_parser("schema", help="print the JSON Schema of a file type")
    schema.add_argument("which", choices=["postmortem", "scenario"])
    schema.set_defaults(handler=cmd_schema)
    return parser


def _add_lifecycle(commands: Any) -> None:
    from closeout import _cli_lifecycle as life

    status = commands.add_parser("status", help="actions with owner, due, state, last evidence")
    status.add_argument("incidents", nargs="*", metavar="INC")
    status.add_argument("--owner", help="only this owner's actions")
    status.add_argument("--state", help="only actions in this state")
    status.add_argument("--overdue", action="store_true", help="only overdue actions")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(handler=life.cmd_status)

    close = commands.add_parser("close", help="close an action on evidence, or say why not")
    close.add_argument("incident", metavar="INC")
    close.add_argument("action", metavar="ACTION")
    close.add_argument("--by", required=True, metavar="WHO")
    close.add_argument("--note", metavar="TEXT")
    close.add_argument("--json", action="store_true", help="machine-readable output")
    close.set_defaults(handler=life.cmd_close)

    waive = commands.add_parser("waive", help="close an action that has no executable check")
    waive.add_argument("incident", metavar="INC")
    waive.add_argument("action", metavar="ACTION")
    waive.add_argument("--by", required=True, metavar="WHO")
    waive.add_argument("--reason", required=True, metavar="TEXT")
    waive.add_argument(
        "--force", action="store_true", help="waive even though the action has scenarios (recorded)"
    )
    waive.add_argument("--json", action="store_true", help="machine-readable output")
    waive.set_defaults(handler=life.cmd_waive)

    gate = commands.add_parser("gate", help="run the scenarios of closed actions (+ regression)")
    gate.add_argument("--junitxml", metavar="PATH", help="write a JUnit XML report")
    gate.add_argument("--with-before", action="store_true", help="also run pre-fix states")
    gate.add_argument("--json", action="store_true", help="print the summary as JSON")
    gate.set_defaults(handler=life.cmd_gate)

    recur = commands.add_parser("recur", help="re-run closed actions' scenarios; flag recurrences")
    recur.add_argument("--json", action="store_true", help="print the summary as JSON")
    recur.set_defaults(handler=life.cmd_recur)

    verify = commands.add_parser("verify", help="check evidence integrity")
    verify.add_argument("incidents", nargs="*", metavar="INC")
    verify.add_argument("--json", action="store_true", help="machine-readable output")
    verify.set_defaults(handler=life.cmd_verify)


def _add_reports(commands: Any) -> None:
    # Handlers live in _cli_reports (imported only when one of these commands runs).
    def handler(name: str) -> Callable[[argparse.Namespace], int]:
        def call(args: argparse.Namespace) -> int:
            from closeout import _cli_reports

            result: int = getattr(_cli_reports, name)(args)
            return result

        return call

    report = commands.add_parser("report", help="render postmortems, evidence and the archive")
    report.add_argument("incidents", nargs="*", metavar="INC")
    report.add_argument("--json", action="store_true", help="list what was written as JSON")
    report.set_defaults(handler=handler("cmd_report"))

    search = commands.add_parser("search", help="search the archive")
    search.add_argument("query", metavar="QUERY")
    search.add_argument(
        "--category",
        choices=["technical", "data", "process"],
        help="only incidents with a root cause of this category",
    )
    search.add_argument("--state", help="only incidents with an action in this state")
    search.add_argument("--severity", choices=["SEV1", "SEV2", "SEV3", "SEV4"])
    search.add_argument("--limit", type=int, default=20, help="at most this many results")
    search.add_argument("--json", action="store_true", help="machine-readable output")
    search.set_defaults(handler=handler("cmd_search"))

    metrics = commands.add_parser("metrics", help="time-to-detect/.../close, recurrence rate")
    metrics.add_argument("--json", action="store_true", help="machine-readable output")
    metrics.set_defaults(handler=handler("cmd_metrics"))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``closeout`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`closeout schema scenario | head`): not an error of ours.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # the CLI's one boundary
        from closeout.errors import CloseoutError

        if isinstance(exc, CloseoutError):
            print(f"closeout: {exc}", file=sys.stderr)
            return EXIT_USAGE
        import traceback

        traceback.print_exc()
        print("closeout: internal error (a bug in closeout, please report it)", file=sys.stderr)
        return EXIT_BUG


def emit(data: Any) -> None:
    """Print ``data`` as the indented JSON every ``--json`` option writes."""
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


# --------------------------------------------------------------------------- init


def cmd_init(args: argparse.Namespace) -> int:
    from datetime import date, timedelta
    from importlib import resources

    from closeout.errors import UsageError
    from closeout.models import IDENTIFIER
    from closeout.project import load_project

    if not IDENTIFIER.match(args.incident):
        raise UsageError(
            f"'{args.incident}' is not a valid incident id (letters, digits, "
            "'.', '_', '-'; at most 64 characters)"
        )
    project = load_project()
    folder = project.scenarios_dir / args.incident
    if folder.exists():
        raise UsageError(f"{project.display(folder)} already exists; not overwriting it")
    today = date.today()
    values = {
        "__INCIDENT__": args.incident,
        "__TODAY__": today.isoformat(),
        "__DUE__": (today + timedelta(days=30)).isoformat(),
    }
    templates = resources.files("closeout") / "templates"
    folder.mkdir(parents=True)
    written = []
    from closeout.kinds import get_kind

    for text, target in (
        ((templates / "postmortem.yaml").read_text(encoding="utf-8"), "postmortem.yaml"),
        (get_kind("threshold").template() or "", "a1-alert-fires.yaml"),
    ):
        for key, value in values.items():
            text = text.replace(key, value)
        (folder / target).write_text(text, encoding="utf-8")
        written.append(project.display(folder / target))
    if args.json:
        emit({"created": written})
    else:
        print("\n".join(f"created {p}" for p in written))
        print(f"next: edit them, then `closeout lint {project.display(folder)}`")
    return EXIT_OK


# --------------------------------------------------------------------------- lint


def cmd_lint(args: argparse.Namespace) -> int:
    from closeout.errors import UsageError
    from closeout.lint import lint
    from closeout.project import load_project

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
            print(problem)
        print(
            f"{report.files} file(s): {len(report.errors)} error(s), "
            f"{len(report.warnings)} warning(s)",
            file=sys.stderr,
        )
    return EXIT_USAGE if failing else EXIT_OK


# --------------------------------------------------------------------------- schema


def cmd_schema(args: argparse.Namespace) -> int:
    from closeout.schema import json_schema

    emit(json_schema(args.which))
    return EXIT_OK


# --------------------------------------------------------------------------- run


def cmd_run(args: argparse.Namespace) -> int:
    from closeout.project import load_project
    from closeout.selectors import select

    project = load_project()
    targets = select(project, args.selectors)
    extra = ["--closeout-no-evidence"] if args.no_evidence else []
    if args.junitxml:
        extra.append(f"--junitxml={args.junitxml}")
    if args.numprocesses:
        extra += ["-n", str(args.numprocesses)]
    return run_pytest(project, targets, extra, as_json=args.json)


def run_pytest(project: Any, targets: list[Path], extra: list[str], *, as_json: bool) -> int:
    """Run pytest on ``targets``, collect the closeout summaries, print them, map exit codes."""
    import contextlib

    import pytest

    from closeout.report_text import summary_table

    collector = _Collector()
    args = [
        *(str(t) for t in targets),
        f"--rootdir={project.root}",
        "-p",
        "no:cacheprovider",
        *extra,
    ]
    stream = sys.stderr if as_json else sys.stdout
    with contextlib.redirect_stdout(stream):
        code = int(pytest.main(args, plugins=[collector]))
    collector.rows.sort(key=lambda r: (r["incident"], r["action"], r["scenario"]))
    if as_json:
        emit({"results": collector.rows, "broken": collector.broken})
    elif collector.rows:
        print()
        print(summary_table(collector.rows))
    if code in (2, 3, 4) and not collector.rows:
        return EXIT_USAGE if code != 3 else EXIT_BUG
    if code == 5 or (not collector.rows and not collector.broken):
        print("closeout: no scenario was run", file=sys.stderr)
        return EXIT_USAGE
    errored = [r for r in collector.rows if "error" in (r["verdict"], r.get("before_verdict"))]
    if collector.broken or errored:
        return EXIT_USAGE
    if code != 0:
        return EXIT_NO
    return EXIT_OK


class _Collector:
    """A pytest plugin object gathering closeout summaries from test reports (xdist-safe)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.broken: list[str] = []

    def pytest_runtest_logreport(self, report: Any) -> None:
        for key, value in getattr(report, "user_properties", []):
            if key == "closeout" and report.when == "call":
                self.rows.append(json.loads(value))
            elif key == "closeout_invalid" and report.when == "setup":
                self.broken.append(report.nodeid)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

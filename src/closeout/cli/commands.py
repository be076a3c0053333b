"""The commands, declared as data: name, help, arguments, and the handler as ``module:function``.

``closeout.cli.app`` builds the parser from ``COMMANDS`` and imports only the chosen command's
handler module (``references.load``), so ``closeout --help`` imports no handler and none of
what handlers import (pydantic, the loader, pytest).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Arg:
    """One argument of a command: ``argparse.add_argument(*flags, **options)``."""

    flags: tuple[str, ...]
    options: Mapping[str, Any] = field(default_factory=dict)


def arg(*flags: str, **options: Any) -> Arg:
    """Declare an argument exactly as ``add_argument`` would take it."""
    return Arg(flags, options)


@dataclass(frozen=True)
class Command:
    """One subcommand: its name, its one-line help, its handler and its arguments."""

    name: str
    help: str
    handler: str  # "module:function", imported only when this command runs
    arguments: tuple[Arg, ...] = ()


_SCENARIOS = "closeout.cli.scenarios"
_LIFECYCLE = "closeout.cli.lifecycle"
_REPORTS = "closeout.cli.reports"

JSON = arg("--json", action="store_true", help="machine-readable output")
JSON_SUMMARY = arg("--json", action="store_true", help="print the summary as JSON")
INCIDENTS = arg("incidents", nargs="*", metavar="INC")
ACTION = (arg("incident", metavar="INC"), arg("action", metavar="ACTION"))

COMMANDS: tuple[Command, ...] = (
    Command(
        "init",
        "scaffold a postmortem and a scenario template",
        f"{_SCENARIOS}:cmd_init",
        (arg("incident", metavar="INCIDENT"), JSON),
    ),
    Command(
        "lint",
        "validate postmortems and scenarios (runs nothing)",
        f"{_SCENARIOS}:cmd_lint",
        (
            arg("paths", nargs="*", metavar="PATH"),
            arg("--strict", action="store_true", help="treat warnings as errors"),
            JSON,
        ),
    ),
    Command(
        "run",
        "run scenarios (pytest underneath) and record evidence",
        f"{_SCENARIOS}:cmd_run",
        (
            arg(
                "selectors",
                nargs="*",
                metavar="SELECTOR",
                help="INC, INC/ACTION, INC/ACTION/SCENARIO or a path (default: all)",
            ),
            JSON_SUMMARY,
            arg("--no-evidence", action="store_true", help="write no evidence records"),
            arg("--junitxml", metavar="PATH", help="also write a JUnit XML report"),
            arg("-n", "--numprocesses", metavar="N", help="run in parallel with pytest-xdist"),
        ),
    ),
    Command(
        "status",
        "actions with owner, due, state, last evidence",
        f"{_LIFECYCLE}:cmd_status",
        (
            INCIDENTS,
            arg("--owner", help="only this owner's actions"),
            arg("--state", help="only actions in this state"),
            arg("--overdue", action="store_true", help="only overdue actions"),
            JSON,
        ),
    ),
    Command(
        "close",
        "close an action on evidence, or say why not",
        f"{_LIFECYCLE}:cmd_close",
        (*ACTION, arg("--by", required=True, metavar="WHO"), arg("--note", metavar="TEXT"), JSON),
    ),
    Command(
        "waive",
        "close an action that has no executable check",
        f"{_LIFECYCLE}:cmd_waive",
        (
            *ACTION,
            arg("--by", required=True, metavar="WHO"),
            arg("--reason", required=True, metavar="TEXT"),
            arg(
                "--force",
                action="store_true",
                help="waive even though the action has scenarios (recorded)",
            ),
            JSON,
        ),
    ),
    Command(
        "gate",
        "run the scenarios of closed actions (+ regression)",
        f"{_LIFECYCLE}:cmd_gate",
        (
            arg("--junitxml", metavar="PATH", help="write a JUnit XML report"),
            arg("--with-before", action="store_true", help="also run pre-fix states"),
            JSON_SUMMARY,
        ),
    ),
    Command(
        "recur",
        "re-run closed actions' scenarios; flag recurrences",
        f"{_LIFECYCLE}:cmd_recur",
        (JSON_SUMMARY,),
    ),
    Command(
        "verify",
        "check evidence integrity",
        f"{_LIFECYCLE}:cmd_verify",
        (INCIDENTS, JSON),
    ),
    Command(
        "report",
        "render postmortems, evidence and the archive",
        f"{_REPORTS}:cmd_report",
        (INCIDENTS, arg("--json", action="store_true", help="list what was written as JSON")),
    ),
    Command(
        "search",
        "search the archive",
        "closeout.cli.search:cmd_search",
        (
            arg("query", metavar="QUERY"),
            arg(
                "--category",
                choices=["technical", "data", "process"],
                help="only incidents with a root cause of this category",
            ),
            arg("--state", help="only incidents with an action in this state"),
            arg("--severity", choices=["SEV1", "SEV2", "SEV3", "SEV4"]),
            arg("--limit", type=int, default=20, help="at most this many results"),
            JSON,
        ),
    ),
    Command(
        "metrics",
        "time-to-detect/.../close, recurrence rate",
        f"{_REPORTS}:cmd_metrics",
        (JSON,),
    ),
    Command(
        "schema",
        "print the JSON Schema of a file type",
        f"{_SCENARIOS}:cmd_schema",
        (arg("which", choices=["postmortem", "scenario"]),),
    ),
)

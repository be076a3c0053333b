"""The commands, declared as data: name, help, arguments, and the handler as ``module:function``.

``closeout.cli.app`` builds the parser from ``COMMANDS`` and imports only the chosen command's
handler module (``references.load``), so ``closeout --help`` imports no handler and none of
what handlers import (pydantic, the loader, pytest).
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from closeout.cli.pages import PAGES, epilog


@dataclass(frozen=True)
class Arg:
    """One argument of a command: ``argparse.add_argument(*flags, **options)``."""

    flags: tuple[str, ...]
    options: Mapping[str, Any] = field(default_factory=dict)


def text(value: str) -> str:
    """An argument type for names and reasons: blank text is a usage error (exit 2)."""
    if not value.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return value


def arg(*flags: str, **options: Any) -> Arg:
    """Declare an argument exactly as ``add_argument`` would take it."""
    return Arg(flags, options)


@dataclass(frozen=True)
class Command:
    """One subcommand: its name, its one-line help, its handler and its arguments; and what
    its ``--help`` page adds: a ``description`` and an ``example`` (the page's closing lines).
    Left empty, both come from ``closeout.cli.pages``."""

    name: str
    help: str
    handler: str  # "module:function", imported only when this command runs
    arguments: tuple[Arg, ...] = ()
    description: str = ""
    example: str = ""

    def __post_init__(self) -> None:
        page = PAGES.get(self.name)
        if page is None:
            return
        # Frozen: filled once here, from the pages table, when the entry sets no text.
        if not self.description:
            object.__setattr__(self, "description", textwrap.fill(page.description, 88))
        if not self.example:
            object.__setattr__(self, "example", epilog(page.examples))


_SCENARIOS = "closeout.cli.scenarios"
_LIFECYCLE = "closeout.cli.lifecycle"
_REPORTS = "closeout.cli.reports"
_PROMETHEUS = "closeout.cli.threshold"
_RUNNING = "closeout.cli.running"

JSON = arg("--json", action="store_true", help="machine-readable output")
JSON_SUMMARY = arg("--json", action="store_true", help="print the summary as JSON")
INCIDENTS = arg("incidents", nargs="*", metavar="INC")
ACTION = (arg("incident", metavar="INC"), arg("action", metavar="ACTION"))
BY = arg("--by", required=True, metavar="WHO", type=text)
SHARD = arg(
    "--shard",
    metavar="K/N",
    help="run only shard K of N: a deterministic split balanced by recorded durations "
    "(see `closeout plan`)",
)
PLAN = arg(
    "--plan",
    metavar="FILE",
    help="with --shard: take the split from this `closeout plan --shards N --json` output "
    "instead of the evidence, so shards run one after another in one folder stay disjoint",
)

COMMANDS: tuple[Command, ...] = (
    Command(
        "init",
        "scaffold a postmortem and a scenario template",
        f"{_SCENARIOS}:cmd_init",
        (
            arg("incident", metavar="INCIDENT"),
            arg(
                "--kind",
                metavar="KIND",
                help="the scenario's kind: threshold (default), drift_replay, shadow, synthetic "
                "or an installed plugin kind; with an existing incident, adds only the scenario",
            ),
            JSON,
        ),
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
        f"{_RUNNING}:cmd_run",
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
            SHARD,
            PLAN,
            arg(
                "--mlflow-log",
                action="store_true",
                help="also log each run record and its artifacts to MLflow "
                "($MLFLOW_TRACKING_URI; like [tool.closeout] mlflow_log = true)",
            ),
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
        (*ACTION, BY, arg("--note", metavar="TEXT"), JSON),
    ),
    Command(
        "waive",
        "close an action that has no executable check",
        f"{_LIFECYCLE}:cmd_waive",
        (
            *ACTION,
            BY,
            arg("--reason", required=True, metavar="TEXT", type=text),
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
        f"{_RUNNING}:cmd_gate",
        (
            arg("--junitxml", metavar="PATH", help="write a JUnit XML report"),
            arg("--with-before", action="store_true", help="also run pre-fix states"),
            JSON_SUMMARY,
            SHARD,
            PLAN,
        ),
    ),
    Command(
        "recur",
        "re-run closed actions' scenarios; flag recurrences",
        f"{_RUNNING}:cmd_recur",
        (JSON_SUMMARY, SHARD, PLAN),
    ),
    Command(
        "completion",
        "print the shell code that completes closeout's commands and options",
        "closeout.cli.completion:cmd_completion",
        (
            arg(
                "shell",
                choices=["bash", "zsh", "fish"],
                help='e.g. eval "$(closeout completion bash)" in ~/.bashrc',
            ),
        ),
    ),
    Command(
        "plan",
        "print how --shard K/N splits the scenarios over N shards",
        "closeout.cli.plan:cmd_plan",
        (
            arg(
                "selectors",
                nargs="*",
                metavar="SELECTOR",
                help="as for `closeout run` (default: all); ignored with --for gate|recur",
            ),
            arg("--shards", type=int, required=True, metavar="N", help="the number of shards"),
            arg(
                "--for",
                dest="command_for",
                choices=["run", "gate", "recur"],
                default="run",
                help="the command whose selection is split (default: run)",
            ),
            JSON,
        ),
    ),
    Command(
        "verify",
        "check evidence integrity",
        f"{_LIFECYCLE}:cmd_verify",
        (INCIDENTS, JSON),
    ),
    Command(
        "checkpoint",
        "write a record naming each incident's latest records, so any deletion is evident",
        "closeout.cli.attest:cmd_checkpoint",
        (INCIDENTS, JSON),
    ),
    Command(
        "reseal",
        "adopt signing: attest existing records with the current key (docs/signing.md)",
        "closeout.cli.attest:cmd_reseal",
        (
            arg(
                "incidents",
                nargs="*",
                metavar="INC",
                help="incidents to reseal (default: all). A reseal writes, per incident, a "
                "record signed with the current key ($CLOSEOUT_SIGNING_KEY_FILE, an Ed25519 "
                "private key) that attests every record that counts today but has no trusted "
                "signature; once trusted_keys or require_signed is set, attested records keep "
                "counting. It vouches for what the folder holds now: run `closeout verify` "
                "first. See docs/signing.md.",
            ),
            arg("--by", required=True, metavar="WHO", help="who vouches for the records"),
            arg("--note", metavar="TEXT", help="why (e.g. 'adopting Ed25519 signing')"),
            JSON,
        ),
    ),
    Command(
        "report",
        "render postmortems, evidence and the archive",
        f"{_REPORTS}:cmd_report",
        (
            INCIDENTS,
            arg(
                "--brief",
                action="store_true",
                help="also write reports/<INC>/brief.md, a one-page summary for readers outside ML",
            ),
            arg(
                "--evidently",
                action="store_true",
                help="also render each drift run's evidently snapshot (*-evidently.json) as "
                "HTML beside it",
            ),
            arg("--json", action="store_true", help="list what was written as JSON"),
        ),
    ),
    Command(
        "digest",
        "progress since a moment: closed, verified, regressed, overdue, waived, recurrences",
        "closeout.cli.digest:cmd_digest",
        (
            INCIDENTS,
            arg(
                "--since",
                default="7d",
                metavar="WHEN",
                help="a duration back from now (7d, 36h) or a date or timestamp (default 7d)",
            ),
            JSON,
        ),
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
    Command(
        "export",
        "write threshold scenarios as promtool unit tests",
        f"{_PROMETHEUS}:cmd_export",
        (
            arg("format", choices=["promtool"], help="promtool: <name>.rules.yml + .test.yml"),
            arg(
                "selectors",
                nargs="*",
                metavar="SELECTOR",
                help="INC, INC/ACTION, INC/ACTION/SCENARIO or a path (default: all)",
            ),
            arg(
                "-o", "--output", metavar="DIR", help="folder to write (default: reports/promtool)"
            ),
            JSON,
        ),
    ),
    Command(
        "capture",
        "read a live Prometheus query_range into a CSV",
        f"{_PROMETHEUS}:cmd_capture",
        (
            arg("source", choices=["prometheus"]),
            arg("--url", required=True, help="the Prometheus server, e.g. http://prom:9090"),
            arg("--query", required=True, metavar="EXPR", help="the PromQL to read"),
            arg("--start", required=True, metavar="T", help="ISO 8601 with offset"),
            arg("--end", required=True, metavar="T", help="ISO 8601 with offset"),
            arg("--step", required=True, metavar="D", help="resolution, e.g. 1m"),
            arg("-o", "--output", required=True, metavar="PATH.csv", help="the CSV to write"),
            JSON,
        ),
    ),
)

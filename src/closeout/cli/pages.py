"""What each command's ``--help`` page says beyond its one-line help: a description and
examples. ``Command`` (``closeout.cli.commands``) takes them from here unless its entry in the
table sets its own; a test holds every command to having both.
"""

from __future__ import annotations

from typing import NamedTuple


class Page(NamedTuple):
    """A command's help page: what it does (a paragraph) and examples (one per line)."""

    description: str
    examples: tuple[str, ...]


PAGES: dict[str, Page] = {
    "init": Page(
        "Scaffold scenarios/INCIDENT/: a commented postmortem and a scenario of --kind "
        "(threshold by default), each lint-clean, with starter data in fixtures/INCIDENT/ "
        "where the kind reads data. Every YAML file starts with a `# yaml-language-server: "
        "$schema=` line pointing at .closeout/schema/, which init writes, so editors show "
        "hover help and completion offline. On an existing incident, --kind adds only the "
        "scenario.",
        (
            "closeout init INC-2026-001",
            "closeout init INC-2026-001 --kind drift_replay",
        ),
    ),
    "lint": Page(
        "Check postmortems and scenarios without running anything: types, required fields, "
        "references, files, columns (from file headers), callables (read, not imported). "
        "Every independent problem of every file is reported in one pass, as "
        "file:line: field: problem. Exit 2 on an error, or on a warning with --strict.",
        ("closeout lint", "closeout lint scenarios/INC-2026-001 --strict"),
    ),
    "run": Page(
        "Run scenarios with pytest and write one sealed evidence record per scenario, with "
        "the pre-fix state (`before`) replayed too. Arguments after `--` go to pytest.",
        ("closeout run", "closeout run INC-2026-001/A1 -- -x", "closeout run --shard 1/4"),
    ),
    "status": Page(
        "Each action with its owner, due date, state (derived from the evidence records, never "
        "stored) and last run; with the reason and the next command for every open action.",
        (
            "closeout status",
            "closeout status INC-2026-001 --state stale",
            "closeout status --overdue",
        ),
    ),
    "close": Page(
        "Write a closure record when every scenario of the action has fresh, passing, "
        "discriminating evidence; otherwise say what is missing and exit 1.",
        ("closeout close INC-2026-001 A1 --by maria.lopez",),
    ),
    "waive": Page(
        "Write a waiver record for an action no scenario can check (a process change); an "
        "action that has scenarios needs --force, which the record keeps.",
        ('closeout waive INC-2026-001 A4 --by head-of-ml --reason "organisational change"',),
    ),
    "gate": Page(
        "Re-run the scenarios of closed actions (the fixed state only, unless --with-before), "
        "for CI: exit 1 when one of them fails again.",
        ("closeout gate --junitxml reports/gate.xml", "closeout gate --shard 2/4"),
    ),
    "recur": Page(
        "Re-run the scenarios of closed actions and write a recurrence record for each that "
        "fails again (e.g. nightly).",
        ("closeout recur", "closeout recur --json"),
    ),
    "completion": Page(
        "Print the shell code that completes closeout's commands, options and incident ids.",
        (
            'eval "$(closeout completion bash)"',
            "closeout completion fish > ~/.config/fish/completions/closeout.fish",
        ),
    ),
    "plan": Page(
        "Print how `--shard K/N` splits the selected scenarios over N shards, balanced by each "
        "scenario's latest recorded duration; every scenario lands in exactly one shard.",
        ("closeout plan --shards 4 --json", "closeout plan --shards 2 --for gate"),
    ),
    "verify": Page(
        "Check every evidence record: its seal, its signature, the records it names; list "
        "what counts for nothing and why. Exit 1 when something is wrong.",
        ("closeout verify", "closeout verify INC-2026-001 --json"),
    ),
    "checkpoint": Page(
        "Write a record naming each incident's latest records, so deleting any record later "
        "is evident to `closeout verify`.",
        ("closeout checkpoint", "closeout checkpoint INC-2026-001"),
    ),
    "reseal": Page(
        "Adopt signing: attest, with the current key, every record that counts today but has "
        "no trusted signature (run `closeout verify` first; see docs/signing.md).",
        ('closeout reseal --by maria.lopez --note "adopting Ed25519 signing"',),
    ),
    "report": Page(
        "Render the static report: one page per incident (postmortem, evidence, charts) and "
        "the archive with search, under reports/.",
        ("closeout report", "closeout report INC-2026-001 --brief"),
    ),
    "digest": Page(
        "What changed since a moment: actions closed, verified, regressed, overdue or waived, "
        "and recurrences.",
        ("closeout digest", "closeout digest --since 30d --json"),
    ),
    "search": Page(
        "Search the archive of postmortems (titles, causes, actions, lessons), ranked, with "
        "filters.",
        ('closeout search "income drift"', "closeout search alert --category data --limit 5"),
    ),
    "metrics": Page(
        "Time to detect, diagnose, mitigate, resolve and close, and the recurrence rate, over "
        "every incident.",
        ("closeout metrics", "closeout metrics --json"),
    ),
    "schema": Page(
        "Print the JSON Schema of a postmortem or a scenario file (every property described), "
        "for editors and validators. `closeout init` also writes both to .closeout/schema/.",
        ("closeout schema scenario > .closeout/schema/scenario.json",),
    ),
    "export": Page(
        "Write threshold scenarios as promtool unit tests (<name>.rules.yml and .test.yml), "
        "to run with `promtool test rules`.",
        ("closeout export promtool", "closeout export promtool INC-2026-001 -o build/promtool"),
    ),
    "capture": Page(
        "Read a live Prometheus query_range into a CSV a threshold scenario can name in "
        "`series` ({file, timestamp, column}).",
        (
            "closeout capture prometheus --url http://prom:9090 --query 'error_rate' "
            "--start 2025-07-01T00:00:00Z --end 2025-07-01T06:00:00Z --step 1m "
            "-o fixtures/INC-1/error_rate.csv",
        ),
    ),
}


def epilog(examples: tuple[str, ...]) -> str:
    """The examples as a help page shows them, under an ``example:`` line."""
    label = "example:" if len(examples) == 1 else "examples:"
    return "\n".join([label, *(f"  {line}" for line in examples)])

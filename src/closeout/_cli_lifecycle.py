"""Command handlers for the closure lifecycle: status, close, waive, verify, gate, recur.

Kept apart from ``cli.py`` (which parses) so each file stays small; like ``cli.py`` they only
call the core and print.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from closeout._time import format_duration_ms, parse_aware, utc_now
from closeout.cli import EXIT_BUG, EXIT_NO, EXIT_OK, EXIT_USAGE, emit


def _age(started_at: str | None) -> str:
    if not started_at:
        return "-"
    seconds = (utc_now() - parse_aware(started_at)).total_seconds()
    return format_duration_ms(int(seconds // 60) * 60_000) if seconds >= 60 else "<1m"


def cmd_status(args: argparse.Namespace) -> int:
    from closeout.lifecycle import check_incident_id, statuses
    from closeout.project import load_project
    from closeout.report_text import table
    from closeout.state import STATES

    project = load_project()
    for incident in args.incidents:
        check_incident_id(project, incident)
    if args.state and args.state not in STATES:
        from closeout.errors import UsageError
        from closeout.models import suggest

        raise UsageError(
            f"--state {args.state}: not a state{suggest(args.state, STATES)}; "
            f"states: {', '.join(STATES)}"
        )
    found = [
        s
        for s in statuses(project, args.incidents or None)
        if (not args.owner or s.action.owner == args.owner)
        and (not args.state or s.state == args.state)
        and (not args.overdue or s.overdue)
    ]
    if args.json:
        emit([s.as_json() for s in found])
        return EXIT_OK
    rows = [
        [
            s.incident,
            s.action.id,
            s.action.type,
            s.action.owner,
            s.action.due.isoformat(),
            s.state,
            "OVERDUE" if s.overdue else "",
            s.last_run.verdict if s.last_run else "-",
            _age(s.last_run.started_at if s.last_run else None),
        ]
        for s in found
    ]
    print(
        table(
            ["incident", "action", "type", "owner", "due", "state", "overdue", "last run", "age"],
            rows,
        )
        if rows
        else "no action matches"
    )
    return EXIT_OK


def cmd_close(args: argparse.Namespace) -> int:
    from closeout.lifecycle import close
    from closeout.project import load_project

    decision = close(load_project(), args.incident, args.action, args.by, args.note)
    return _decision(decision, "closed", args)


def cmd_waive(args: argparse.Namespace) -> int:
    from closeout.lifecycle import waive
    from closeout.project import load_project

    decision = waive(load_project(), args.incident, args.action, args.by, args.reason, args.force)
    return _decision(decision, "waived", args)


def _decision(decision: Any, verb: str, args: argparse.Namespace) -> int:
    if args.json:
        emit({"done": decision.done, "record": decision.record, "reasons": decision.reasons})
    elif decision.done:
        print(
            f"{verb} {args.incident} {args.action}"
            + (f": {decision.record}" if decision.record else f" ({'; '.join(decision.reasons)})")
        )
    else:
        print(f"refused: {args.incident} {args.action} cannot be {verb}:")
        print("\n".join(f"  - {reason}" for reason in decision.reasons))
    return EXIT_OK if decision.done else EXIT_NO


def cmd_verify(args: argparse.Namespace) -> int:
    from closeout.lifecycle import check_incident_id
    from closeout.project import load_project
    from closeout.verify import verify

    project = load_project()
    for incident in args.incidents:
        check_incident_id(project, incident)
    report = verify(project, args.incidents or None)
    if args.json:
        emit(
            {
                "checked": report.checked,
                "bad": [{"path": f.path, "problem": f.problem} for f in report.findings],
            }
        )
    else:
        for finding in report.findings:
            print(finding)
        print(
            f"{report.checked} record(s) checked, {len(report.findings)} problem(s)",
            file=sys.stderr,
        )
    return EXIT_NO if report.findings else EXIT_OK


def _scenario_paths(project: Any, statuses: list[Any], *, tagged: str | None) -> list[Path]:
    from closeout.state import scan_scenarios

    closed = {
        (s.incident, s.action.id)
        for s in statuses
        if s.closure is not None and s.state not in ("waived", "not_doing")
    }
    paths: list[Path] = []
    for incident in sorted({s.incident for s in statuses}):
        guarded = any(key[0] == incident for key in closed)
        for info in scan_scenarios(project, incident):
            # An unreadable file may be a closed action's scenario: run it, so it errors.
            wanted = (incident, info.action) in closed or (tagged and tagged in info.tags)
            if wanted or (info.broken and (guarded or bool(tagged))):
                paths.append(project.root / info.path)
    return paths


def cmd_gate(args: argparse.Namespace) -> int:
    from closeout.cli import run_pytest
    from closeout.lifecycle import statuses
    from closeout.project import load_project

    project = load_project()
    targets = _scenario_paths(project, statuses(project), tagged="regression")
    if not targets:
        print("closeout gate: no closed action and no scenario tagged regression: nothing to gate")
        return EXIT_OK
    extra = ["--closeout-trigger=gate"]
    if not args.with_before:
        extra.append("--closeout-skip-before")
    if args.junitxml:
        extra.append(f"--junitxml={args.junitxml}")
    return run_pytest(project, targets, extra, as_json=args.json)


def cmd_recur(args: argparse.Namespace) -> int:
    from closeout.cli import run_pytest
    from closeout.lifecycle import record_recurrences, statuses
    from closeout.project import load_project

    project = load_project()
    before = statuses(project)
    targets = _scenario_paths(project, before, tagged=None)
    if not targets:
        print("closeout recur: no closed action to re-check")
        return EXIT_OK
    extra = ["--closeout-trigger=scheduled", "--closeout-skip-before"]
    code = run_pytest(project, targets, extra, as_json=args.json)
    after = statuses(project)
    written = record_recurrences(project, after)
    regressed = [f"{s.incident}/{s.action.id}" for s in after if s.state == "regressed"]
    if args.json:
        emit({"new_recurrences": written, "regressed": regressed})
    else:
        for path in written:
            print(f"RECURRENCE recorded: {path}")
        print(
            f"closeout recur: {len(targets)} scenario(s) re-run; {len(written)} new "
            f"recurrence(s); regressed: {', '.join(regressed) or 'none'}"
        )
    # A regressed action keeps the scheduled job red until a passing run closes it again.
    if regressed:
        return EXIT_NO
    return code if code in (EXIT_USAGE, EXIT_BUG) else EXIT_OK

"""Command handlers for the closure lifecycle: status, close, waive and verify.

Like every handler module they only call the core and print. ``status`` says on standard
error how many records count for nothing (the trust decision rejected them), so state is
never quietly derived from less than the folder holds; ``verify`` names each of them.
"""

from __future__ import annotations

import argparse

from closeout import lifecycle
from closeout._time import format_duration_ms, parse_aware, utc_now
from closeout.cli.output import EXIT_NO, EXIT_OK, emit, note, say, warn
from closeout.cli.states import require_state
from closeout.lifecycle import Archive, Decision
from closeout.project import Project, load_project
from closeout.report_text import table
from closeout.state import ActionStatus, next_step
from closeout.store import usable_incidents
from closeout.verify import verify

_STATUS_HEADERS = [
    "incident",
    "action",
    "type",
    "owner",
    "due",
    "state",
    "overdue",
    "last run",
    "age",
]
# The tag that puts an open action's scenario under `closeout gate` too.
_GATE_TAG = "regression"
_REASONS_SHOWN = 3  # per action under the status table; --json has them all


def cmd_status(args: argparse.Namespace) -> int:
    """Print each action with owner, due date, state and its last run, filtered."""
    project = load_project()
    for incident in args.incidents:
        lifecycle.check_incident_id(project, incident)
    if args.state:
        require_state(args.state)
    archive = Archive(project)
    warn_left_out(project)
    found = [
        s
        for s in archive.statuses(args.incidents or None)
        if (not args.owner or s.action.owner == args.owner)
        and (not args.state or s.state == args.state)
        and (not args.overdue or s.overdue)
    ]
    _warn_rejected(archive)
    if args.json:
        emit([_status_json(s, project) for s in found])
        return EXIT_OK
    rows = [_status_row(s) for s in found]
    say(table(_STATUS_HEADERS, rows) if rows else "no action matches")
    notes = [line for s in found for line in _status_notes(s, project)]
    if notes:
        say("\n" + "\n".join(notes))
    return EXIT_OK


def _status_json(status: ActionStatus, project: Project) -> dict[str, object]:
    """``status --json`` of one action: its state, reasons, next step and ticket link."""
    ticket = status.action.ticket
    return status.as_json() | {
        "next": next_step(status),
        "ticket": ticket,
        "ticket_url": project.ticket_link(ticket),
    }


def _status_notes(status: ActionStatus, project: Project) -> list[str]:
    """Under the table, for each action not settled: why it is in its state, and the
    command that moves it on (and its ticket, when the action names one)."""
    step = next_step(status)
    if step is None:
        return []
    lines = [f"{status.selector}: {status.state}"]
    shown = status.reasons[:_REASONS_SHOWN]
    lines += [f"  - {reason}" for reason in shown if reason]
    if len(status.reasons) > len(shown):
        more = len(status.reasons) - len(shown)
        lines.append(f"  - ... and {more} more (closeout status --json)")
    ticket = project.ticket_link(status.action.ticket) or status.action.ticket
    if ticket:
        lines.append(f"  ticket: {ticket}")
    lines.append(f"  next: {step}")
    return lines


def warn_left_out(project: Project) -> None:
    """Name each incident folder that cannot be read (a bad name, a postmortem that is not
    a file); the other incidents are still reported."""
    for line in usable_incidents(project)[1]:
        warn(line)


def _warn_rejected(archive: Archive) -> None:
    """Say on standard error what the state was not derived from, and why."""
    missing = archive.keyring.missing_key()
    if missing:
        warn(missing)
    for incident, (rejected, others) in sorted(archive.problems().items()):
        parts = [f"{rejected} record(s) count for nothing"] if rejected else []
        parts += [f"{others} other problem(s)"] if others else []
        warn(f"{incident}: {', '.join(parts)} in its evidence: see `closeout verify {incident}`")


def _status_row(status: ActionStatus) -> list[str | None]:
    last = status.last_run
    return [
        status.incident,
        status.action.id,
        status.action.type,
        status.action.owner,
        status.action.due.isoformat(),
        status.state,
        "OVERDUE" if status.overdue else "",
        last.verdict if last else "-",
        _age(last.started_at if last else None),
    ]


def _age(started_at: str | None) -> str:
    """How long ago a run started, to the minute."""
    if not started_at:
        return "-"
    seconds = (utc_now() - parse_aware(started_at)).total_seconds()
    return format_duration_ms(int(seconds // 60) * 60_000) if seconds >= 60 else "<1m"


def cmd_close(args: argparse.Namespace) -> int:
    """Close an action on its evidence, or print why not (exit 1)."""
    decision = lifecycle.close(load_project(), args.incident, args.action, args.by, args.note)
    return _decision(decision, "closed", args)


def cmd_waive(args: argparse.Namespace) -> int:
    """Waive an action that has no executable check, or print why not (exit 1)."""
    decision = lifecycle.waive(
        load_project(), args.incident, args.action, args.by, args.reason, args.force
    )
    return _decision(decision, "waived", args)


def _decision(decision: Decision, verb: str, args: argparse.Namespace) -> int:
    if args.json:
        emit(
            {
                "done": decision.done,
                "record": decision.record,
                "reasons": decision.reasons,
                "next": decision.next,
            }
        )
    elif decision.done:
        say(
            f"{verb} {args.incident} {args.action}"
            + (f": {decision.record}" if decision.record else f" ({'; '.join(decision.reasons)})")
        )
    else:
        say(f"refused: {args.incident} {args.action} cannot be {verb}:")
        say("\n".join(f"  - {reason}" for reason in decision.reasons))
        if decision.next:
            say(f"next: {decision.next}")
    return EXIT_OK if decision.done else EXIT_NO


def cmd_verify(args: argparse.Namespace) -> int:
    """Check the integrity of the evidence records; exit 1 on any problem."""
    project = load_project()
    for incident in args.incidents:
        lifecycle.check_incident_id(project, incident)
    report = verify(project, args.incidents or None)
    if args.json:
        emit(
            {
                "checked": report.checked,
                "counted": report.counted,
                "rejected": report.rejected,
                "bad": [{"path": f.path, "problem": f.problem} for f in report.findings],
            }
        )
    else:
        for finding in report.findings:
            say(str(finding))
        note(f"{report.checked} record(s) checked, {len(report.findings)} problem(s)")
    return EXIT_NO if report.findings else EXIT_OK

"""Command handlers for the closure lifecycle: status, close, waive, verify, gate, recur.

Like every handler module they only call the core and print. ``status`` says on standard
error how many records count for nothing (the trust decision rejected them), so state is
never quietly derived from less than the folder holds; ``verify`` names each of them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from closeout import lifecycle
from closeout._time import format_duration_ms, parse_aware, utc_now
from closeout.cli.output import EXIT_BUG, EXIT_NO, EXIT_OK, EXIT_USAGE, emit, note, say, warn
from closeout.cli.pytest_session import run_pytest
from closeout.cli.states import require_state
from closeout.errors import UsageError
from closeout.lifecycle import Archive, Decision
from closeout.project import Project, load_project
from closeout.report_text import table
from closeout.state import ActionStatus, scan_scenarios
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


def cmd_status(args: argparse.Namespace) -> int:
    """Print each action with owner, due date, state and its last run, filtered."""
    project = load_project()
    for incident in args.incidents:
        lifecycle.check_incident_id(project, incident)
    if args.state:
        require_state(args.state)
    archive = Archive(project)
    _warn_left_out(project)
    found = [
        s
        for s in archive.statuses(args.incidents or None)
        if (not args.owner or s.action.owner == args.owner)
        and (not args.state or s.state == args.state)
        and (not args.overdue or s.overdue)
    ]
    _warn_rejected(archive)
    if args.json:
        emit([s.as_json() for s in found])
        return EXIT_OK
    rows = [_status_row(s) for s in found]
    say(table(_STATUS_HEADERS, rows) if rows else "no action matches")
    return EXIT_OK


def _warn_left_out(project: Project) -> None:
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
        emit({"done": decision.done, "record": decision.record, "reasons": decision.reasons})
    elif decision.done:
        say(
            f"{verb} {args.incident} {args.action}"
            + (f": {decision.record}" if decision.record else f" ({'; '.join(decision.reasons)})")
        )
    else:
        say(f"refused: {args.incident} {args.action} cannot be {verb}:")
        say("\n".join(f"  - {reason}" for reason in decision.reasons))
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


def _scenario_paths(
    project: Project, statuses: list[ActionStatus], *, tagged: str | None
) -> list[Path]:
    """The scenario files of closed actions (and of scenarios tagged ``tagged``)."""
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


def require_scenarios(project: Project) -> None:
    """A project with no scenario at all is a misconfiguration: a gate over it proves nothing.

    (A typo in ``[tool.closeout] scenarios`` or running from the wrong folder must not turn
    a CI gate green.)
    """
    folder = project.scenarios_dir
    shown = project.display(folder)
    if not folder.is_dir():
        raise UsageError(
            f"no scenarios folder: {shown} does not exist (check [tool.closeout] scenarios, "
            "or run closeout inside the project)"
        )
    _warn_left_out(project)
    incidents = lifecycle.incident_ids(project)
    if not incidents:
        raise UsageError(f"no incident in {shown}: no folder holds a postmortem.yaml")
    if not any(scan_scenarios(project, incident) for incident in incidents):
        raise UsageError(f"no scenario file in {shown}: nothing could ever be gated")


def cmd_gate(args: argparse.Namespace) -> int:
    """Run the scenarios of closed actions (and regression-tagged ones) as a CI gate."""
    project = load_project()
    require_scenarios(project)
    targets = _scenario_paths(project, lifecycle.statuses(project), tagged=_GATE_TAG)
    if not targets:
        say("closeout gate: no closed action and no scenario tagged regression: nothing to gate")
        return EXIT_OK
    extra = ["--closeout-trigger=gate"]
    if not args.with_before:
        extra.append("--closeout-skip-before")
    if args.junitxml:
        extra.append(f"--junitxml={args.junitxml}")
    return run_pytest(project, targets, extra, as_json=args.json)


def cmd_recur(args: argparse.Namespace) -> int:
    """Re-run closed actions' scenarios; record a recurrence for each action that regressed."""
    project = load_project()
    require_scenarios(project)
    targets = _scenario_paths(project, lifecycle.statuses(project), tagged=None)
    if not targets:
        say("closeout recur: no closed action to re-check")
        return EXIT_OK
    extra = ["--closeout-trigger=scheduled", "--closeout-skip-before"]
    code = run_pytest(project, targets, extra, as_json=args.json)
    after = lifecycle.statuses(project)
    written = lifecycle.record_recurrences(project, after)
    regressed = [f"{s.incident}/{s.action.id}" for s in after if s.state == "regressed"]
    if args.json:
        emit({"new_recurrences": written, "regressed": regressed})
    else:
        for path in written:
            say(f"RECURRENCE recorded: {path}")
        say(
            f"closeout recur: {len(targets)} scenario(s) re-run; {len(written)} new "
            f"recurrence(s); regressed: {', '.join(regressed) or 'none'}"
        )
    # A regressed action keeps the scheduled job red until a passing run closes it again.
    if regressed:
        return EXIT_NO
    return code if code in (EXIT_USAGE, EXIT_BUG) else EXIT_OK

"""Command handlers that run scenarios under pytest: run, gate and recur.

``run`` runs what the selectors name; ``gate`` and ``recur`` re-run the scenarios of closed
actions (``gate`` also those tagged ``regression``) and map the outcome to an exit code.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from closeout import lifecycle
from closeout.cli.lifecycle import warn_left_out
from closeout.cli.output import EXIT_BUG, EXIT_NO, EXIT_OK, EXIT_USAGE, emit, say
from closeout.cli.pytest_session import run_pytest
from closeout.errors import UsageError
from closeout.mlflow_log import ENV as MLFLOW_LOG_ENV
from closeout.project import Project, load_project
from closeout.selectors import select
from closeout.state import ActionStatus, scan_scenarios

# The tag that puts an open action's scenario under `closeout gate` too.
_GATE_TAG = "regression"


def cmd_run(args: argparse.Namespace) -> int:
    """Run the selected scenarios under pytest and record evidence."""
    project = load_project()
    targets = select(project, args.selectors)
    extra = ["--closeout-no-evidence"] if args.no_evidence else []
    if args.junitxml:
        extra.append(f"--junitxml={args.junitxml}")
    if args.numprocesses:
        extra += ["-n", str(args.numprocesses)]
    if not args.mlflow_log:
        return run_pytest(project, targets, extra, as_json=args.json)
    # The pytest session (and its xdist workers) read the switch from the environment.
    previous = os.environ.get(MLFLOW_LOG_ENV)
    os.environ[MLFLOW_LOG_ENV] = "1"
    try:
        return run_pytest(project, targets, extra, as_json=args.json)
    finally:
        if previous is None:
            os.environ.pop(MLFLOW_LOG_ENV, None)
        else:
            os.environ[MLFLOW_LOG_ENV] = previous


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
    warn_left_out(project)
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

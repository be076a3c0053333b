"""Command handlers that run scenarios under pytest: run, gate and recur.

``run`` runs what the selectors name; ``gate`` and ``recur`` re-run the scenarios of closed
actions (``gate`` also those tagged ``regression``), and the Python tests marked
``@pytest.mark.closeout`` for them, and map the outcome to an exit code. All three take
``--shard K/N`` (``closeout.cli.shards``) and pytest arguments after ``--``; under ``--json``
each prints exactly one JSON document, also when there is nothing to run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from closeout import lifecycle
from closeout.cli.lifecycle import warn_left_out
from closeout.cli.output import EXIT_BUG, EXIT_NO, EXIT_OK, EXIT_USAGE, emit, say, warn
from closeout.cli.pytest_session import PytestRun, run_pytest, show
from closeout.cli.shards import parse_shard, read_plan, scenario_files, split, unit_of
from closeout.errors import UsageError
from closeout.evidence import read_record
from closeout.mlflow_log import ENV as MLFLOW_LOG_ENV
from closeout.project import Project, load_project
from closeout.selectors import select
from closeout.state import ActionStatus, scan_scenarios
from closeout.store import evidence_dir

# The tag that puts an open action's scenario under `closeout gate` too.
_GATE_TAG = "regression"
_NODE_SEPARATOR = "::"

Target = Path | str
"""A scenario file, or the node id of a marked Python test."""


def cmd_run(args: argparse.Namespace) -> int:
    """Run the selected scenarios under pytest and record evidence."""
    _check_shard(args)
    project = load_project()
    targets: list[Target] = list(select(project, args.selectors))
    extra = ["--closeout-no-evidence"] if args.no_evidence else []
    if args.junitxml:
        extra.append(f"--junitxml={args.junitxml}")
    if args.numprocesses:
        extra += ["-n", str(args.numprocesses)]
    with _mlflow_switch(args.mlflow_log):
        run, more = _run(project, targets, extra, args, evidence=not args.no_evidence)
    if run is None:
        return _nothing(args, "closeout run: no scenario in this shard", more)
    show(run, as_json=args.json, **more)
    return run.code


@contextlib.contextmanager
def _mlflow_switch(on: bool) -> Iterator[None]:
    """The pytest session (and its xdist workers) read the MLflow switch from the environment."""
    if not on:
        yield
        return
    previous = os.environ.get(MLFLOW_LOG_ENV)
    os.environ[MLFLOW_LOG_ENV] = "1"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(MLFLOW_LOG_ENV, None)
        else:
            os.environ[MLFLOW_LOG_ENV] = previous


def _run(
    project: Project,
    targets: list[Target],
    extra: list[str],
    args: argparse.Namespace,
    *,
    evidence: bool = True,
) -> tuple[PytestRun | None, dict[str, Any]]:
    """Run this shard's share of ``targets`` (all of them without ``--shard``); None when
    the shard holds nothing. The second value holds the extra JSON fields (the shard)."""
    more: dict[str, Any] = {}
    if args.shard:
        shard = parse_shard(args.shard)
        plan = read_plan(Path(args.plan), shard.count) if args.plan else None
        targets = shard_of(project, targets, shard.index, shard.count, plan)
        more["shard"] = str(shard)
        if not targets:
            return None, more
    run = run_pytest(
        project,
        targets,
        extra,
        as_json=args.json,
        pytest_args=args.pytest_args,
        evidence=evidence,
    )
    return run, more


def shard_of(
    project: Project,
    targets: Sequence[Target],
    index: int,
    count: int,
    plan: list[set[str]] | None = None,
) -> list[Target]:
    """The targets of shard ``index`` of ``count`` (folders expanded into their files): by
    the recorded durations, or as ``plan`` (a ``closeout plan --json`` split) assigns them."""
    files = scenario_files([t for t in targets if isinstance(t, Path)])
    units: dict[str, Target] = {unit_of(project, f): f for f in files}
    units |= {unit_of(project, t): t for t in targets if isinstance(t, str)}
    if plan is not None:
        unplanned = sorted(u for u in units if not any(u in share for share in plan))
        if unplanned:
            raise UsageError(
                f"--plan: {', '.join(unplanned)} not in the plan: write it again with "
                f"`closeout plan --shards {count} --json`"
            )
        return [units[u] for u in sorted(units) if u in plan[index - 1]]
    buckets, _, _ = split(project, list(units), count)
    return [units[u] for u in sorted(buckets[index - 1].units)]


def _check_shard(args: argparse.Namespace) -> None:
    """A bad ``--shard`` is a usage error before anything runs, even with nothing to run."""
    if args.shard:
        parse_shard(args.shard)


def _nothing(args: argparse.Namespace, message: str, more: dict[str, Any]) -> int:
    """Nothing to run (no closed action, an empty shard): say so, in one document under json."""
    if args.json:
        emit({"results": [], "broken": [], "invalid": [], "nothing": message} | more)
    else:
        say(message)
    return EXIT_OK


def _scenario_paths(
    project: Project, statuses: list[ActionStatus], *, tagged: str | None
) -> list[Path]:
    """The scenario files of closed actions (and of scenarios tagged ``tagged``)."""
    closed = _closed(statuses)
    paths: list[Path] = []
    for incident in sorted({s.incident for s in statuses}):
        guarded = any(key[0] == incident for key in closed)
        for info in scan_scenarios(project, incident):
            # An unreadable file may be a closed action's scenario: run it, so it errors.
            wanted = (incident, info.action) in closed or (tagged and tagged in info.tags)
            if wanted or (info.broken and (guarded or bool(tagged))):
                paths.append(project.root / info.path)
    return paths


def _closed(statuses: list[ActionStatus]) -> set[tuple[str, str]]:
    return {
        (s.incident, s.action.id)
        for s in statuses
        if s.closure is not None and s.state not in ("waived", "not_doing")
    }


def marked_tests(project: Project, statuses: list[ActionStatus]) -> list[str]:
    """The node ids of the Python tests marked ``@pytest.mark.closeout`` for closed actions,
    as pytest takes them from any folder; a test whose file is gone is named and left out."""
    closed = _closed(statuses)
    found: list[str] = []
    for status in statuses:
        if (status.incident, status.action.id) not in closed:
            continue
        for scenario in status.scenarios:
            latest = scenario.latest
            if latest is None or latest.kind != "pytest":
                continue
            nodeid = _node_id(project, status.incident, scenario.name, latest.file)
            file, _, rest = nodeid.partition(_NODE_SEPARATOR)
            if not rest or not (project.root / file).is_file():
                warn(f"{status.incident}/{status.action.id}: test {nodeid}: not found; not re-run")
                continue
            found.append(f"{project.root / file}{_NODE_SEPARATOR}{rest}")
    return sorted(dict.fromkeys(found))


def _node_id(project: Project, incident: str, name: str, record_file: str) -> str:
    """The test's node id: its name in records written since node ids are used, else the
    expectation name of its latest record (older records named it by a file-safe label)."""
    if _NODE_SEPARATOR in name:
        return name
    try:
        record = read_record(evidence_dir(project, incident) / record_file)
        return str(record["expectations"][0]["name"])
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return name


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


def guarded_targets(project: Project, *, gate: bool) -> list[Target]:
    """What gate (or recur) re-runs: closed actions' scenarios and marked tests (and, for
    gate, the scenarios tagged ``regression``)."""
    statuses = lifecycle.statuses(project)
    tagged = _GATE_TAG if gate else None
    paths: list[Target] = list(_scenario_paths(project, statuses, tagged=tagged))
    return paths + list(marked_tests(project, statuses))


def cmd_gate(args: argparse.Namespace) -> int:
    """Run the scenarios of closed actions (and regression-tagged ones) as a CI gate."""
    _check_shard(args)
    project = load_project()
    require_scenarios(project)
    targets = guarded_targets(project, gate=True)
    if not targets:
        message = (
            "closeout gate: no closed action and no scenario tagged regression: nothing to gate"
        )
        return _nothing(args, message, {})
    extra = ["--closeout-trigger=gate"]
    if not args.with_before:
        extra.append("--closeout-skip-before")
    if args.junitxml:
        extra.append(f"--junitxml={args.junitxml}")
    run, more = _run(project, targets, extra, args)
    if run is None:
        return _nothing(args, f"closeout gate: nothing to gate in shard {more['shard']}", more)
    show(run, as_json=args.json, **more)
    return run.code


def cmd_recur(args: argparse.Namespace) -> int:
    """Re-run closed actions' scenarios; record a recurrence for each action that regressed."""
    _check_shard(args)
    project = load_project()
    require_scenarios(project)
    targets = guarded_targets(project, gate=False)
    if not targets:
        return _nothing(args, "closeout recur: no closed action to re-check", {})
    extra = ["--closeout-trigger=scheduled", "--closeout-skip-before"]
    run, more = _run(project, targets, extra, args)
    if run is None:
        return _nothing(args, f"closeout recur: nothing to re-check in shard {more['shard']}", more)
    after = lifecycle.statuses(project)
    written = lifecycle.record_recurrences(project, after)
    ran = {(r["incident"], r["action"]) for r in run.rows}
    regressed = [
        f"{s.incident}/{s.action.id}"
        for s in after
        # A shard answers for the actions it re-ran; the other shards answer for theirs.
        if s.state == "regressed" and (not args.shard or (s.incident, s.action.id) in ran)
    ]
    if args.json:
        show(run, as_json=True, new_recurrences=written, regressed=regressed, **more)
    else:
        show(run, as_json=False)
        for path in written:
            say(f"RECURRENCE recorded: {path}")
        count = len(run.rows) + len(run.broken)
        say(
            f"closeout recur: {count} scenario(s) re-run; {len(written)} new "
            f"recurrence(s); regressed: {', '.join(regressed) or 'none'}"
        )
    # A regressed action keeps the scheduled job red until a passing run closes it again.
    if regressed:
        return EXIT_NO
    return run.code if run.code in (EXIT_USAGE, EXIT_BUG) else EXIT_OK

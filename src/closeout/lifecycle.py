"""Closing, waiving and recurrence: the records that move an action through its life.

``statuses`` derives the state of actions (see ``state.py``); ``close``, ``waive`` and
``record_recurrences`` write closure, waiver and recurrence records when the evidence allows.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime

from closeout._time import utc_now
from closeout.errors import UsageError
from closeout.evidence import SIGNING_KEY_ENV, envelope, read_record, signature_ok, write_record
from closeout.loader import load_postmortem
from closeout.models import IDENTIFIER, Postmortem, suggest
from closeout.project import Project
from closeout.state import (
    BAD_VERDICTS,
    ActionStatus,
    Clock,
    InputHashes,
    derive,
    postmortem_path,
    scan_scenarios,
)
from closeout.store import evidence_dir, load_summaries


def incident_ids(project: Project) -> list[str]:
    folder = project.scenarios_dir
    if not folder.is_dir():
        return []
    return sorted(p.parent.name for p in folder.glob("*/postmortem.yaml"))


def check_incident_id(project: Project, incident: str) -> None:
    """An incident argument must be an identifier of a known incident (no paths)."""
    if not IDENTIFIER.match(incident):
        raise UsageError(f"'{incident}' is not an incident id (letters, digits, '.', '_', '-')")
    if not postmortem_path(project, incident).is_file():
        raise UsageError(f"no incident '{incident}'{suggest(incident, incident_ids(project))}")


def load_incident(project: Project, incident: str) -> Postmortem:
    path = postmortem_path(project, incident)
    if not IDENTIFIER.match(incident) or not path.is_file():
        known = incident_ids(project)
        raise UsageError(f"no incident '{incident}'{suggest(incident, known)}")
    postmortem, _ = load_postmortem(project, path)
    return postmortem


def statuses(
    project: Project, incidents: list[str] | None = None, now: datetime | None = None
) -> list[ActionStatus]:
    """The state of every action of the given incidents (default: all)."""
    clock = Clock(now or utc_now(), project.evidence_max_age_ms)
    hashes = InputHashes(project)
    found: list[ActionStatus] = []
    for incident in incidents or incident_ids(project):
        postmortem = load_incident(project, incident)
        found += derive(
            incident,
            postmortem,
            scan_scenarios(project, incident),
            load_summaries(project, incident),
            clock,
            hashes,
            signed_only=project.require_signed,
        )
    return found


def action_status(project: Project, incident: str, action: str) -> ActionStatus:
    for status in statuses(project, [incident]):
        if status.action.id == action:
            return status
    actions = [a.id for a in load_incident(project, incident).actions]
    raise UsageError(f"no action '{action}' in {incident}{suggest(action, actions)}")


@dataclass
class Decision:
    """The answer of close / waive: done (with the record written) or refused (with why)."""

    done: bool
    reasons: list[str]
    record: str | None = None


def close(project: Project, incident: str, action: str, by: str, note: str | None) -> Decision:
    """Write a closure record if every scenario has fresh, passing, discriminating evidence."""
    status = action_status(project, incident, action)
    if status.state == "closed":
        return Decision(True, [f"already closed ({status.closure.file})"])  # type: ignore[union-attr]
    if status.state in ("waived", "not_doing"):
        return Decision(False, [f"the action is {status.state}; nothing to close"])
    if not status.scenarios:
        return Decision(False, ["the action has no scenario: add one, or `closeout waive` it"])
    reasons = [f"{s.name}: {p}" for s in status.scenarios for p in s.problems]
    runs = [run for s in status.scenarios for run in s.supporting]
    if project.require_signed:
        reasons += _signature_problems(project, incident, [r.file for r in runs])
    if reasons:
        return Decision(False, reasons)
    record = envelope(project, "closure", incident, action)
    record.update({"by": by, "note": note, "runs": [r.sha256 for r in runs]})
    path = write_record(project, record, f"closure-{action}")
    return Decision(True, [], project.display(path))


def _signature_problems(project: Project, incident: str, files: list[str]) -> list[str]:
    key = os.environ.get(SIGNING_KEY_ENV)
    if not key:
        return [f"require_signed is set but {SIGNING_KEY_ENV} is not: cannot check signatures"]
    problems = []
    for name in files:
        record = read_record(evidence_dir(project, incident) / name)
        if not signature_ok(record, key):
            problems.append(f"{name}: unsigned or badly signed run (require_signed)")
    return problems


def waive(
    project: Project, incident: str, action: str, by: str, reason: str, force: bool
) -> Decision:
    """Write a waiver record; an action that has scenarios needs ``force``."""
    status = action_status(project, incident, action)
    if status.state in ("waived", "not_doing"):
        return Decision(False, [f"the action is already {status.state}"])
    real = [s.name for s in status.scenarios]
    if real and not force:
        return Decision(
            False,
            [
                f"the action has scenarios ({', '.join(real)}): close it on "
                "evidence, or pass --force with a reason"
            ],
        )
    record = envelope(project, "waiver", incident, action)
    record.update({"by": by, "reason": reason, "forced": bool(real and force), "scenarios": real})
    path = write_record(project, record, f"waiver-{action}")
    return Decision(True, [], project.display(path))


def record_recurrences(project: Project, after: list[ActionStatus]) -> list[str]:
    """One recurrence record per regression episode of a closed action.

    An episode starts with the first failing run after the closure or after the last
    passing run; it gets a record unless one was written during it already, so re-running
    the same failure adds none, and a regression first seen by `gate` or `run` still counts.
    """
    written = []
    for status in after:
        if status.state != "regressed" or status.closure is None:
            continue
        records = load_summaries(project, status.incident)
        mine = [
            r for r in records if r.action == status.action.id and r.order > status.closure.order
        ]
        passing = [r.order for r in mine if r.type == "run" and r.verdict == "pass"]
        episode = max(passing, default=status.closure.order)
        if any(r.type == "recurrence" and r.order > episode for r in mine):
            continue
        failing = [
            s.latest
            for s in status.scenarios
            if s.latest is not None
            and s.latest.order > episode
            and s.latest.verdict in BAD_VERDICTS
        ]
        for run in failing[:1]:
            record = envelope(project, "recurrence", status.incident, status.action.id)
            record.update({"run": run.sha256, "scenario": run.scenario, "verdict": run.verdict})
            path = write_record(project, record, f"recurrence-{status.action.id}")
            written.append(project.display(path))
    return written

"""Closing, waiving and recurrence: the records that move an action through its life.

``Archive`` is the one way in to a project's evidence for ``status``, the lifecycle,
``verify`` and the reports: it owns the clock, the input-hash cache, the signing key and the
keyring, so they all see the same evidence the same way, through the one trust decision of
``closeout.trust``. ``statuses`` derives the state of actions (see ``state.py``); ``close``,
``waive`` and ``record_recurrences`` write closure, waiver and recurrence records when the
evidence allows. Each of them holds the incident's lock while it decides and writes, and
decides on the records re-judged from their bytes (never on the index cache), so four
simultaneous ``close`` write one closure and a run altered since the last ``status`` is
never closed on. The module-level functions make an archive from the project, for the
command line and the pytest plugin; the ``*_in`` ones take one.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from closeout._io import locked, read_regular
from closeout._time import utc_now
from closeout.errors import UsageError
from closeout.evidence import build, envelope, parse_json, signing_key, write_record
from closeout.models import Postmortem, suggest
from closeout.models.records import ClosureRecord, Record, RecurrenceRecord, WaiverRecord
from closeout.project import Project
from closeout.sealing import Key, resolve_signer
from closeout.signing import HmacSigner, keyring_for
from closeout.state import BAD_VERDICTS, ActionStatus, Clock, derive, next_step
from closeout.store import InputHashes, RecordSummary, ScenarioInfo, evidence_dir, scan_scenarios

# Callers know the incident look-ups from here.
from closeout.store import check_incident_id as check_incident_id
from closeout.store import incident_ids as incident_ids
from closeout.store import load_incident as load_incident
from closeout.trust.ledger import IncidentEvidence
from closeout.trust.read import RECORD_LIMIT, read_incident

LOCK_FILE = ".lock"  # in the evidence folder; its name starts with "." so no reader lists it


class Archive:
    """A project's evidence, seen at one moment under one signing policy.

    ``clock`` gives the moment state is derived at (read once, when the archive is made) and
    the time stamp of every record the archive writes. ``key`` signs what the archive writes
    and checks signatures: None reads $CLOSEOUT_SIGNING_KEY_FILE (Ed25519) or
    $CLOSEOUT_SIGNING_KEY (HMAC); a string is an HMAC key (``""``: none). The keyring adds
    the project's ``trusted_keys`` and ``require_signed``.
    """

    def __init__(
        self,
        project: Project,
        clock: Callable[[], datetime] = utc_now,
        key: Key = None,
    ) -> None:
        self.project = project
        self.stamp = clock
        self.now = clock()
        self.clock = Clock(self.now, project.evidence_max_age_ms)
        self.hashes = InputHashes(project)
        self.signer = resolve_signer(key)
        hmac_key = self.signer.key if isinstance(self.signer, HmacSigner) else None
        if key is None and hmac_key is None:
            hmac_key = signing_key()  # the HMAC key still checks old records
        self.keyring = keyring_for(project, self.signer, hmac_key)
        self.require_signed = project.require_signed
        self._evidence: dict[str, IncidentEvidence] = {}

    def incidents(self) -> list[str]:
        return incident_ids(self.project)

    def postmortem(self, incident: str) -> Postmortem:
        return load_incident(self.project, incident)

    def scenarios(self, incident: str) -> list[ScenarioInfo]:
        return scan_scenarios(self.project, incident)

    def evidence(self, incident: str, *, fresh: bool = False) -> IncidentEvidence:
        """The incident's evidence, decided at the archive's moment (read once).

        ``fresh`` re-judges every file from its bytes, ignoring the index cache.
        """
        if fresh or incident not in self._evidence:
            self._evidence[incident] = read_incident(
                self.folder(incident), incident, self.keyring, self.now, use_index=not fresh
            )
        return self._evidence[incident]

    def summaries(self, incident: str) -> list[RecordSummary]:
        """The records of ``incident`` that count, oldest first."""
        return self.evidence(incident).accepted

    def folder(self, incident: str) -> Path:
        return evidence_dir(self.project, incident)

    @contextmanager
    def deciding(self, incident: str) -> Iterator[IncidentEvidence]:
        """Hold the incident's lock, with its evidence re-judged from the files."""
        with locked(self.folder(incident) / LOCK_FILE):
            try:
                yield self.evidence(incident, fresh=True)
            finally:
                self._evidence.pop(incident, None)  # what was written in the block is new

    def problems(self) -> dict[str, tuple[int, int]]:
        """Of what the archive has read, by incident: how many files count for nothing, and
        how many other findings (records named by others that are missing or altered)."""
        found = {}
        for incident, evidence in self._evidence.items():
            rejected = set(evidence.rejected)
            others = [f for f in evidence.findings if f.file not in rejected]
            if rejected or others:
                found[incident] = (len(rejected), len(others))
        return found

    def read(self, incident: str, file: str) -> dict[str, Any] | None:
        """The full record ``file`` of ``incident``, or None when it cannot be read."""
        try:
            record = parse_json(read_regular(self.folder(incident) / file, RECORD_LIMIT))
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) else None

    def derive(
        self,
        incident: str,
        postmortem: Postmortem,
        scenarios: list[ScenarioInfo],
        records: list[RecordSummary],
    ) -> list[ActionStatus]:
        """The state of every action of one incident, from what was read of it."""
        return derive(
            incident,
            postmortem,
            scenarios,
            records,
            self.clock,
            self.hashes,
        )

    def statuses(self, incidents: list[str] | None = None) -> list[ActionStatus]:
        """The state of every action of the given incidents (default: all)."""
        found: list[ActionStatus] = []
        for incident in incidents or self.incidents():
            postmortem = self.postmortem(incident)
            records = self.summaries(incident)
            found += self.derive(incident, postmortem, self.scenarios(incident), records)
        return found

    def envelope(self, record_type: str, incident: str, action: str) -> dict[str, Any]:
        """The shared fields of a new record, stamped by the archive's clock."""
        return envelope(self.project, record_type, incident, action, self.stamp())

    def write(self, record: Record, label: str) -> Path:
        """Seal ``record`` under the archive's key (unsigned without one) and write it."""
        path = write_record(self.project, record, label, key=self.signer or "")
        self._evidence.pop(record.incident, None)
        return path


def statuses(
    project: Project, incidents: list[str] | None = None, now: datetime | None = None
) -> list[ActionStatus]:
    """The state of every action of the given incidents (default: all)."""
    archive = Archive(project) if now is None else Archive(project, clock=lambda: now)
    return archive.statuses(incidents)


def action_status(project: Project, incident: str, action: str) -> ActionStatus:
    return _action_status(Archive(project), incident, action)


def _action_status(archive: Archive, incident: str, action: str) -> ActionStatus:
    for status in archive.statuses([incident]):
        if status.action.id == action:
            return status
    actions = [a.id for a in archive.postmortem(incident).actions]
    raise UsageError(f"no action '{action}' in {incident}{suggest(action, actions)}")


@dataclass
class Decision:
    """The answer of close / waive: done (with the record written) or refused (with why,
    and ``next``: the command that moves the action on)."""

    done: bool
    reasons: list[str]
    record: str | None = None
    next: str | None = None


def close(project: Project, incident: str, action: str, by: str, note: str | None) -> Decision:
    """Write a closure record if every scenario has fresh, passing, discriminating evidence."""
    return close_in(Archive(project), incident, action, by, note)


def close_in(archive: Archive, incident: str, action: str, by: str, note: str | None) -> Decision:
    """``close`` on an archive: its clock stamps the closure, its key signs it.

    Decided under the incident's lock on records re-judged from their bytes: every run the
    closure rests on is checked again, and a second ``close`` of a closed action is a no-op.
    """
    _action_status(archive, incident, action)  # an unknown action is a usage error first
    with archive.deciding(incident) as evidence:
        status = _action_status(archive, incident, action)
        if status.state == "closed" and status.closure is not None:
            return Decision(True, [f"already closed ({status.closure.file})"])
        if status.state in ("waived", "not_doing"):
            settled = f"closeout status {incident} (the action is settled)"
            return Decision(
                False, [f"the action is {status.state}; nothing to close"], None, settled
            )
        who = shlex.quote(by)
        if not status.scenarios:
            reason = "the action has no scenario: add one, or `closeout waive` it"
            return Decision(False, [reason], None, next_step(status, who))
        reasons = [f"{s.name}: {p.message}" for s in status.scenarios for p in s.problems]
        missing = archive.keyring.missing_key()
        if missing:
            reasons.append(missing)
        if reasons:
            step = next_step(status, who) or ""
            if missing and status.state == "verified":  # only the signing policy is missing
                where = archive.project.setting_where("require_signed")
                step = f"set a key (see {where}), then {step}"
            return Decision(False, reasons + _uncounted(evidence), None, step)
        runs = [run for s in status.scenarios for run in s.supporting]
        fields = archive.envelope("closure", incident, action)
        fields |= {"by": by, "note": note, "runs": [r.sha256 for r in runs]}
        path = archive.write(build(ClosureRecord, fields), f"closure-{action}")
    return Decision(True, [], archive.project.display(path))


def _uncounted(evidence: IncidentEvidence, shown: int = 3) -> list[str]:
    """The records of the incident that count for nothing, as extra reasons of a refusal."""
    rejected = set(evidence.rejected)
    found = [f"{f.file}: {f.problem}" for f in evidence.findings if f.file in rejected]
    if not found:
        return []
    more = f" (and {len(found) - shown} more)" if len(found) > shown else ""
    return [f"counts for nothing: {line}" for line in found[:shown]] + (
        [f"see `closeout verify {evidence.incident}`{more}"]
    )


def waive(
    project: Project, incident: str, action: str, by: str, reason: str, force: bool
) -> Decision:
    """Write a waiver record; an action that has scenarios needs ``force``."""
    return waive_in(Archive(project), incident, action, by, reason, force)


def waive_in(
    archive: Archive, incident: str, action: str, by: str, reason: str, force: bool
) -> Decision:
    """``waive`` on an archive: its clock stamps the waiver, its key signs it."""
    _action_status(archive, incident, action)
    with archive.deciding(incident):
        status = _action_status(archive, incident, action)
        if status.state in ("waived", "not_doing"):
            settled = f"closeout status {incident} (the action is settled)"
            return Decision(False, [f"the action is already {status.state}"], None, settled)
        real = [s.name for s in status.scenarios]
        if real and not force:
            why = (
                f"the action has scenarios ({', '.join(real)}): close it on "
                "evidence, or pass --force with a reason"
            )
            forced = f"closeout waive {incident} {action} --by {shlex.quote(by)} "
            forced += f"--reason {shlex.quote(reason)} --force"
            return Decision(False, [why], None, next_step(status, shlex.quote(by)) or forced)
        fields = archive.envelope("waiver", incident, action)
        fields |= {"by": by, "reason": reason, "forced": bool(real and force), "scenarios": real}
        path = archive.write(build(WaiverRecord, fields), f"waiver-{action}")
    return Decision(True, [], archive.project.display(path))


def record_recurrences(project: Project, after: list[ActionStatus]) -> list[str]:
    """One recurrence record per regression episode of a closed action (see ``recur_in``)."""
    return recur_in(Archive(project), after)


def recur_in(archive: Archive, after: list[ActionStatus]) -> list[str]:
    """One recurrence record per regression episode of a closed action.

    An episode starts with the first failing run after the closure or after the last
    passing run; it gets a record unless one was written during it already, so re-running
    the same failure adds none, and a regression first seen by `gate` or `run` still counts.
    """
    written = []
    for status in after:
        if status.state != "regressed" or status.closure is None:
            continue
        with archive.deciding(status.incident) as evidence:
            run = _new_episode(status, status.closure, evidence.accepted)
            if run is None:
                continue
            fields = archive.envelope("recurrence", status.incident, status.action.id)
            fields |= {"run": run.sha256, "scenario": run.scenario, "verdict": run.verdict}
            label = f"recurrence-{status.action.id}"
            path = archive.write(build(RecurrenceRecord, fields), label)
        written.append(archive.project.display(path))
    return written


def _new_episode(
    status: ActionStatus, closure: RecordSummary, records: list[RecordSummary]
) -> RecordSummary | None:
    """The failing run that starts a regression episode with no recurrence record yet."""
    mine = [r for r in records if r.action == status.action.id and r.order > closure.order]
    passing = [r.order for r in mine if r.type == "run" and r.verdict == "pass"]
    episode = max(passing, default=closure.order)
    if any(r.type == "recurrence" and r.order > episode for r in mine):
        return None
    failing = [
        s.latest
        for s in status.scenarios
        if s.latest is not None and s.latest.order > episode and s.latest.verdict in BAD_VERDICTS
    ]
    return failing[0] if failing else None

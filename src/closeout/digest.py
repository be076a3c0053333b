"""``closeout digest``: the progress update a team posts while remediation runs (SPEC §14).

Since a moment (default: seven days before the archive's clock), by incident:

- ``closed``, ``waived``, ``recurrences``: closure, waiver and recurrence records written in
  the period (events: they stay listed even if the action moved on since);
- ``verified``, ``regressed``: actions in that state now that were not in it when the period
  began, their state then derived from the records written before it, at that moment;
- ``overdue``: actions overdue now that were not overdue when the period began.

Plus where every action of a changed incident stands now. Everything is read through the
lifecycle's ``Archive``, whose clock is the digest's "now" (tests inject one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from closeout._format import when
from closeout._time import parse_aware, parse_duration_ms
from closeout.errors import ScenarioError, UsageError
from closeout.lifecycle import Archive
from closeout.state import BAD_VERDICTS, STATES, ActionStatus
from closeout.store import RecordSummary

KINDS = ("closed", "verified", "regressed", "overdue", "waived", "recurrences")
_EVENTS = {"closure": "closed", "waiver": "waived", "recurrence": "recurrences"}


@dataclass(frozen=True)
class Change:
    """One thing that happened to an action in the period."""

    action: str
    title: str
    owner: str
    at: str  # when it happened (record time or due date), as shown
    detail: str

    def as_json(self) -> dict[str, str]:
        return {
            "action": self.action,
            "title": self.title,
            "owner": self.owner,
            "at": self.at,
            "detail": self.detail,
        }


@dataclass
class IncidentDigest:
    incident: str
    title: str
    changes: dict[str, list[Change]]
    states: dict[str, int]
    overdue: int

    @property
    def changed(self) -> bool:
        return any(self.changes.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "incident": self.incident,
            "title": self.title,
            **{kind: [c.as_json() for c in self.changes[kind]] for kind in KINDS},
            "states": self.states,
            "overdue_now": self.overdue,
        }


@dataclass
class Digest:
    since: datetime
    as_of: datetime
    incidents: list[IncidentDigest] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def totals(self) -> dict[str, int]:
        return {kind: sum(len(i.changes[kind]) for i in self.incidents) for kind in KINDS}

    def as_json(self) -> dict[str, Any]:
        changed = [i for i in self.incidents if i.changed]
        return {
            "since": _iso(self.since),
            "as_of": _iso(self.as_of),
            "totals": self.totals(),
            "incidents": [i.as_json() for i in changed],
            "unchanged": [i.incident for i in self.incidents if not i.changed],
            "problems": self.problems,
        }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_since(text: str, now: datetime) -> datetime:
    """``7d``/``36h`` back from ``now``, or a date (midnight UTC) or timestamp with offset."""
    value = text.strip()
    try:
        return now - timedelta(milliseconds=parse_duration_ms(value))
    except ValueError:
        pass
    try:
        is_date = re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None
        moment = parse_aware(f"{value}T00:00:00Z" if is_date else value)
    except ValueError as exc:
        raise UsageError(
            f"--since {text!r}: give a duration (7d, 36h), a date (2025-07-01) or a "
            f"timestamp with an offset ({exc})"
        ) from None
    if moment > now:
        raise UsageError(f"--since {text!r} is after now ({when(now)})")
    return moment


def digest(archive: Archive, since: datetime, incidents: list[str] | None = None) -> Digest:
    """What changed in ``incidents`` (default: all) between ``since`` and the archive's now."""
    result = Digest(since, archive.now)
    before = Archive(archive.project, clock=lambda: since)
    for incident in incidents or archive.incidents():
        try:
            result.incidents.append(_incident(archive, before, incident, since))
        except ScenarioError as exc:
            result.problems.append(str(exc))
    return result


def _moment(record: RecordSummary) -> datetime | None:
    try:
        return parse_aware(record.started_at)
    except ValueError:
        return None


def _incident(archive: Archive, before: Archive, incident: str, since: datetime) -> IncidentDigest:
    postmortem = archive.postmortem(incident)
    scenarios = archive.scenarios(incident)
    records = archive.summaries(incident)
    earlier = [r for r in records if (_moment(r) or since) < since]
    now = archive.derive(incident, postmortem, scenarios, records)
    then = {s.action.id: s for s in before.derive(incident, postmortem, scenarios, earlier)}
    changes: dict[str, list[Change]] = {kind: [] for kind in KINDS}
    titles = {s.action.id: s for s in now}
    for record in records:
        moment = _moment(record)
        kind = _EVENTS.get(record.type)
        if kind and record.readable and moment and since <= moment <= archive.now:
            status = titles.get(record.action)
            if status is not None:
                changes[kind].append(_event(status, record, moment))
    for status in now:
        _transitions(status, then.get(status.action.id), changes)
    states = {state: sum(s.state == state for s in now) for state in STATES}
    return IncidentDigest(
        incident,
        postmortem.title,
        changes,
        {state: count for state, count in states.items() if count},
        sum(s.overdue for s in now),
    )


def _change(status: ActionStatus, at: str, detail: str) -> Change:
    action = status.action
    return Change(action.id, action.title, action.owner, at, detail)


def _event(status: ActionStatus, record: RecordSummary, moment: datetime) -> Change:
    if record.type == "recurrence":
        detail = f"scenario {record.scenario} {record.verdict or 'failed'} after the closure"
    else:
        detail = f"by {record.by}" if record.by else ""
    return _change(status, when(moment), detail)


def _transitions(
    status: ActionStatus, then: ActionStatus | None, changes: dict[str, list[Change]]
) -> None:
    """Add ``status`` to the verified, regressed or overdue list where it changed."""
    was = then.state if then is not None else "open"
    latest = [s.latest for s in status.scenarios if s.latest is not None]
    last = max((r.started_at for r in latest), default="")
    if status.state == "verified" and was != "verified":
        changes["verified"].append(_change(status, _shown(last), "ready to close"))
    if status.state == "regressed" and was != "regressed":
        failed = [
            f"{s.name} {s.latest.verdict}"
            for s in status.scenarios
            if s.latest is not None and s.latest.verdict in BAD_VERDICTS
        ]
        changes["regressed"].append(_change(status, _shown(last), ", ".join(failed)))
    if status.overdue and not (then is not None and then.overdue):
        due = status.action.due.isoformat()
        changes["overdue"].append(_change(status, due, f"was due {due}, {status.state}"))


def _shown(text: str) -> str:
    try:
        return when(parse_aware(text))
    except ValueError:
        return text or "-"


def digest_text(result: Digest) -> str:
    """The digest as text: one block per changed incident, then the totals."""
    head = f"Progress since {when(result.since)}, as of {when(result.as_of)}"
    blocks = [head]
    for item in (i for i in result.incidents if i.changed):
        lines = [f"{item.incident}  {item.title}"]
        for kind in KINDS:
            for change in item.changes[kind]:
                label = "recurrence" if kind == "recurrences" else kind
                detail = f" ({change.detail})" if change.detail else ""
                lines.append(f"  {label:<11} {change.action}  {change.title}  {change.at}{detail}")
        now = ", ".join(
            f"{count} {state.replace('_', ' ')}" for state, count in item.states.items()
        )
        lines.append(f"  now: {now}" + (f"; {item.overdue} overdue" if item.overdue else ""))
        blocks.append("\n".join(lines))
    quiet = sum(not i.changed for i in result.incidents)
    if quiet:
        blocks.append(f"No change in {quiet} incident(s).")
    totals = ", ".join(f"{count} {kind}" for kind, count in result.totals().items())
    blocks.append(f"Totals: {totals}")
    return "\n\n".join(blocks)

"""Reading a project for the reports: postmortems, derived action states and evidence.

The only module of ``closeout.reports`` that touches the disk for reading. ``collect`` gives
what the archive needs of one incident (cheap: summaries from the evidence index cache);
``incident_view`` adds the full run records a postmortem page shows (key figures, charts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from closeout._time import parse_aware
from closeout.lifecycle import Archive
from closeout.models import Postmortem
from closeout.project import Project
from closeout.reports.facts import CATEGORIES, ActionFact, IncidentFact
from closeout.state import ActionStatus
from closeout.store import RecordSummary


@dataclass
class Collected:
    """One incident: its postmortem, every record summary and the state of every action."""

    postmortem: Postmortem
    records: list[RecordSummary]
    statuses: list[ActionStatus]
    scenario_paths: dict[str, str] = field(default_factory=dict)  # scenario name -> file


@dataclass
class ScenarioView:
    name: str
    path: str  # project-relative scenario file ("" for a plain pytest test)
    problems: list[str]
    latest: dict[str, Any] | None = None
    latest_file: str | None = None
    proof: dict[str, Any] | None = None  # latest run that also replayed the pre-fix state
    proof_file: str | None = None


@dataclass
class ActionView:
    status: ActionStatus
    scenarios: list[ScenarioView]
    closures: list[tuple[RecordSummary, dict[str, Any] | None]]  # summary, full record
    waivers: list[tuple[RecordSummary, dict[str, Any] | None]]
    recurrences: list[RecordSummary]


@dataclass
class IncidentView:
    """Everything a postmortem page shows."""

    postmortem: Postmortem
    fact: IncidentFact
    actions: list[ActionView]
    records: list[RecordSummary]
    as_of: datetime


class Reader:
    """Collects incidents of one project through one ``Archive``: one clock, one hash cache."""

    def __init__(self, project: Project, now: datetime) -> None:
        self.project = project
        self.now = now
        self.archive = Archive(project, clock=lambda: now)

    def collect(self, incident: str) -> Collected:
        """Postmortem, records and action states; raises ScenarioError for a bad postmortem."""
        archive = self.archive
        postmortem = archive.postmortem(incident)
        records = archive.summaries(incident)
        scenarios = archive.scenarios(incident)
        statuses = archive.derive(incident, postmortem, scenarios, records)
        paths = {info.name: info.path for info in scenarios}
        return Collected(postmortem, records, statuses, paths)

    def view(self, collected: Collected) -> IncidentView:
        """The page view: ``collected`` plus the full latest run record of each scenario."""
        full = _FullRecords(self.archive, collected.postmortem.id)
        actions = []
        for status in collected.statuses:
            mine = [r for r in collected.records if r.action == status.action.id and r.readable]
            scenarios = [
                ScenarioView(
                    name=s.name,
                    path=collected.scenario_paths.get(s.name, ""),
                    problems=s.messages(),
                    latest=full(s.latest),
                    latest_file=s.latest.file if s.latest else None,
                    proof=full(s.proof),
                    proof_file=s.proof.file if s.proof else None,
                )
                for s in status.scenarios
            ]
            actions.append(
                ActionView(
                    status,
                    scenarios,
                    [(r, full(r)) for r in mine if r.type == "closure"],
                    [(r, full(r)) for r in mine if r.type == "waiver"],
                    [r for r in mine if r.type == "recurrence"],
                )
            )
        fact = incident_fact(collected)
        return IncidentView(collected.postmortem, fact, actions, collected.records, self.now)


class _FullRecords:
    """The full records of one incident a page shows, each read once."""

    def __init__(self, archive: Archive, incident: str) -> None:
        self.archive = archive
        self.incident = incident
        self.cache: dict[str, dict[str, Any] | None] = {}

    def __call__(self, summary: RecordSummary | None) -> dict[str, Any] | None:
        if summary is None:
            return None
        if summary.file not in self.cache:
            self.cache[summary.file] = self.archive.read(self.incident, summary.file)
        return self.cache[summary.file]


def incident_fact(collected: Collected) -> IncidentFact:
    """The archive's and the metrics' view of one collected incident."""
    postmortem = collected.postmortem
    category_of = {cause.id: cause.category for cause in postmortem.root_causes}
    present = {cause.category for cause in postmortem.root_causes}
    actions = []
    for status in collected.statuses:
        action = status.action
        mine = [r for r in collected.records if r.action == action.id and r.readable]
        closures = [r for r in mine if r.type == "closure"]
        first = closures[0] if closures else None  # summaries come oldest first
        addressed = {category_of[c] for c in action.addresses if c in category_of}
        actions.append(
            ActionFact(
                id=action.id,
                title=action.title,
                type=action.type,
                owner=action.owner,
                due=action.due,
                state=status.state,
                overdue=status.overdue,
                categories=tuple(c for c in CATEGORIES if c in addressed),
                first_closed_at=_when(first),
                recurrences=sum(1 for r in mine if r.type == "recurrence"),
                closure_file=first.file if first else None,
            )
        )
    return IncidentFact(
        id=postmortem.id,
        title=postmortem.title,
        severity=postmortem.severity,
        status=postmortem.status,
        started_at=postmortem.started_at,
        detected_at=postmortem.detected_at,
        diagnosed_at=postmortem.diagnosed_at,
        mitigated_at=postmortem.mitigated_at,
        resolved_at=postmortem.resolved_at,
        categories=tuple(c for c in CATEGORIES if c in present),
        tags=tuple(postmortem.tags),
        actions=tuple(actions),
    )


def _when(record: RecordSummary | None) -> datetime | None:
    if record is None:
        return None
    try:
        return parse_aware(record.started_at)
    except ValueError:
        return None

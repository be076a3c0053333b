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
from closeout.reports.figures import artifacts
from closeout.signing import SigCheck
from closeout.state import ActionStatus
from closeout.store import RecordSummary


@dataclass
class Collected:
    """One incident: its postmortem, every record summary and the state of every action."""

    postmortem: Postmortem
    records: list[RecordSummary]
    statuses: list[ActionStatus]
    scenario_paths: dict[str, str] = field(default_factory=dict)  # scenario name -> file
    tickets: dict[str, str] = field(default_factory=dict)  # ticket -> URL (ticket_url)


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
    signatures: dict[str, SigCheck] = field(default_factory=dict)  # file -> its signature
    rejected: list[tuple[str, str]] = field(default_factory=list)  # file, why it counts not
    tickets: dict[str, str] = field(default_factory=dict)  # ticket -> URL (ticket_url)
    html_views: frozenset[str] = frozenset()  # snapshots' HTML (``report --evidently``)


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
        tickets = ticket_links(self.project, postmortem)
        return Collected(postmortem, records, statuses, paths, tickets)

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
        evidence = self.archive.evidence(collected.postmortem.id)
        rejected = set(evidence.rejected)
        return IncidentView(
            collected.postmortem,
            fact,
            actions,
            collected.records,
            self.now,
            signatures={f.name: f.sig for f in evidence.files},
            rejected=[(f.file, f.problem) for f in evidence.findings if f.file in rejected],
            tickets=collected.tickets,
            html_views=self._html_views(actions),
        )

    def _html_views(self, actions: list[ActionView]) -> frozenset[str]:
        """The HTML views of the shown runs' evidently snapshots that exist on disk."""
        found = set()
        for action in actions:
            for scenario in action.scenarios:
                for record in (scenario.latest, scenario.proof):
                    for artifact in artifacts(record or {}):
                        view = artifact.html_view
                        if view and (self.project.root / view).is_file():
                            found.add(view)
        return frozenset(found)


def ticket_links(project: Project, postmortem: Postmortem) -> dict[str, str]:
    """The URL of every action's ticket under ``[tool.closeout] ticket_url`` (none unset)."""
    links = {}
    for action in postmortem.actions:
        url = project.ticket_link(action.ticket)
        if action.ticket and url:
            links[action.ticket] = url
    return links


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
                ticket=action.ticket,
                ticket_url=collected.tickets.get(action.ticket or ""),
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

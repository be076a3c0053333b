"""``closeout report``: render each postmortem (Markdown and HTML), the archive page and the
search index, from the postmortems and their evidence. Files are written atomically.

Incidents are rendered one at a time and reduced to their ``IncidentFact`` and ``SearchDoc``
for the archive, so memory stays flat however large the archive is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath

from closeout import __version__
from closeout._time import iso_z, utc_now
from closeout.errors import ScenarioError, UsageError
from closeout.lifecycle import incident_ids
from closeout.models import suggest
from closeout.project import Project
from closeout.reports import archive, html, markdown, postmortem
from closeout.reports.collect import Collected, Reader, incident_fact
from closeout.reports.facts import IncidentFact
from closeout.reports.metrics import compute
from closeout.reports.search import SearchDoc, make_doc, page_index
from closeout.reports.search_cache import postmortem_keys, write_cache
from closeout.reports.write import write_text

ARCHIVE_FILE = "index.html"


@dataclass
class BuildResult:
    """What ``closeout report`` wrote, and the postmortems it had to leave out."""

    written: list[str] = field(default_factory=list)
    archive: str = ""
    incidents: int = 0
    problems: list[str] = field(default_factory=list)


def page_dir(project: Project, incident: str) -> str:
    """The project-relative folder of an incident's pages (``reports/<INC>``)."""
    return str(PurePosixPath(project.reports.replace("\\", "/")) / incident)


def build_reports(
    project: Project, incidents: list[str] | None = None, now: datetime | None = None
) -> BuildResult:
    """Render the given incidents (default: all), any incident without a page yet, and
    always the whole archive."""
    known = incident_ids(project)
    for incident in incidents or []:
        if incident not in known:
            raise UsageError(f"no incident '{incident}'{suggest(incident, known)}")
    wanted = set(incidents or known)
    reader = Reader(project, now or utc_now())
    result = BuildResult()
    entries: list[tuple[IncidentFact, SearchDoc]] = []
    for incident in known:
        try:
            collected = reader.collect(incident)
        except ScenarioError as exc:
            result.problems.append(str(exc))
            continue
        # The archive links every incident: render a page that does not exist yet too.
        if incident in wanted or not (project.reports_dir / incident / "index.html").is_file():
            result.written += _render_incident(project, reader, collected, frozenset(known))
        entries.append((incident_fact(collected), _search_doc(collected)))
    entries.sort(key=lambda e: (e[0].started_at, e[0].id), reverse=True)
    facts = [fact for fact, _ in entries]
    docs = [doc for _, doc in entries]
    metrics = compute(facts, reader.now)
    page = archive.render(
        facts, metrics, page_index(docs), reader.now, __version__, result.problems
    )
    target = project.reports_dir / ARCHIVE_FILE
    write_text(target, page)
    result.archive = project.display(target)
    result.incidents = len(facts)
    write_cache(project, docs, postmortem_keys(project))
    return result


def _render_incident(
    project: Project, reader: Reader, collected: Collected, known: frozenset[str]
) -> list[str]:
    incident = collected.postmortem.id
    view = reader.view(collected)
    document = postmortem.build(view, page_dir(project, incident), __version__, known)
    folder = project.reports_dir / incident
    written = []
    for name, text in (
        ("postmortem.md", markdown.render(document)),
        ("index.html", html.render(document)),
    ):
        write_text(folder / name, text)
        written.append(project.display(folder / name))
    return written


def _search_doc(collected: Collected) -> SearchDoc:
    pm = collected.postmortem
    return make_doc(pm.model_dump(mode="json"), iso_z(pm.started_at))


def collect_facts(
    project: Project, now: datetime | None = None
) -> tuple[list[IncidentFact], list[str], datetime]:
    """Every readable incident's facts (newest first), the problems, and the clock used."""
    reader = Reader(project, now or utc_now())
    facts: list[IncidentFact] = []
    problems: list[str] = []
    for incident in incident_ids(project):
        try:
            facts.append(incident_fact(reader.collect(incident)))
        except ScenarioError as exc:
            problems.append(str(exc))
    facts.sort(key=lambda f: (f.started_at, f.id), reverse=True)
    return facts, problems, reader.now

"""``closeout report``: render each postmortem (Markdown and HTML), the archive page and the
search index, from the postmortems and their evidence. Files are written atomically.

Incidents are rendered one at a time and reduced to their ``IncidentFact`` and ``SearchDoc``
for the archive, so memory stays flat however large the archive is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from closeout import __version__
from closeout._time import iso_z, utc_now
from closeout.errors import CloseoutError, UsageError
from closeout.loader import POSTMORTEM_FILE
from closeout.models import suggest
from closeout.project import Project
from closeout.reports import archive, html, markdown, postmortem
from closeout.reports.brief import render_brief
from closeout.reports.causal import PendingPages, graph_of
from closeout.reports.collect import Collected, Reader, incident_fact
from closeout.reports.facts import IncidentFact
from closeout.reports.metrics import compute
from closeout.reports.search import SearchDoc, make_doc, page_index
from closeout.reports.search_cache import postmortem_keys, write_cache
from closeout.reports.write import write_text
from closeout.store import usable_incidents

ARCHIVE_FILE = "index.html"
BRIEF_FILE = "brief.md"


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
    project: Project,
    incidents: list[str] | None = None,
    now: datetime | None = None,
    brief: bool = False,
) -> BuildResult:
    """Render the given incidents (default: all), any incident without a page yet, and
    always the whole archive; with ``brief``, also each given incident's ``brief.md``."""
    known, left_out = usable_incidents(project)
    for incident in incidents or []:
        if incident not in known:
            raise UsageError(f"no incident '{incident}'{suggest(incident, known)}")
    wanted = set(incidents or known)
    reader = Reader(project, now or utc_now())
    result = BuildResult(problems=left_out)
    entries: list[tuple[IncidentFact, SearchDoc]] = []
    hypotheses: dict[str, tuple[str, ...]] = {}
    pages = PendingPages()
    for incident in known:
        try:
            collected = reader.collect(incident)
        except (CloseoutError, OSError) as exc:  # one bad incident never stops the others
            result.problems.append(_left_out(project, incident, exc))
            continue
        # The archive links every incident: render a page that does not exist yet too.
        if incident in wanted or not (project.reports_dir / incident / "index.html").is_file():
            result.written += _render_incident(project, reader, collected, known, pages)
        if brief and incident in wanted:
            result.written.append(_write_brief(project, collected, reader.now))
        entries.append((incident_fact(collected), _search_doc(collected)))
        hypotheses[incident] = tuple(h.status for h in collected.postmortem.hypotheses)
    pages.flush()
    entries.sort(key=lambda e: (e[0].started_at, e[0].id), reverse=True)
    facts = [fact for fact, _ in entries]
    docs = [doc for _, doc in entries]
    metrics = compute(facts, reader.now, hypotheses)
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
    project: Project, reader: Reader, collected: Collected, known: list[str], pages: PendingPages
) -> list[str]:
    """Write the incident's postmortem.md now; hand its index.html to ``pages``, which writes
    it once its causal diagram is laid out."""
    incident = collected.postmortem.id
    view = reader.view(collected)
    token = pages.placeholder()
    where = page_dir(project, incident)
    document = postmortem.build(view, where, __version__, frozenset(known), token)
    folder = project.reports_dir / incident
    write_text(folder / "postmortem.md", markdown.render(document))
    pages.add(folder / "index.html", html.render(document), token, graph_of(view))
    return [project.display(folder / name) for name in ("postmortem.md", "index.html")]


def _write_brief(project: Project, collected: Collected, now: datetime) -> str:
    target = project.reports_dir / collected.postmortem.id / BRIEF_FILE
    write_text(target, render_brief(collected.postmortem, collected.statuses, now))
    return project.display(target)


def _search_doc(collected: Collected) -> SearchDoc:
    pm = collected.postmortem
    return make_doc(pm.model_dump(mode="json"), iso_z(pm.started_at))


def collect_metrics(
    project: Project, now: datetime | None = None
) -> tuple[dict[str, Any], list[str]]:
    """SPEC §9 metrics over every readable incident (SPEC §14 ones included), and the
    postmortems that could not be read."""
    reader = Reader(project, now or utc_now())
    facts: list[IncidentFact] = []
    hypotheses: dict[str, tuple[str, ...]] = {}
    known, problems = usable_incidents(project)
    for incident in known:
        try:
            collected = reader.collect(incident)
        except (CloseoutError, OSError) as exc:
            problems.append(_left_out(project, incident, exc))
            continue
        facts.append(incident_fact(collected))
        hypotheses[incident] = tuple(h.status for h in collected.postmortem.hypotheses)
    facts.sort(key=lambda f: (f.started_at, f.id), reverse=True)
    return compute(facts, reader.now, hypotheses), problems


def _left_out(project: Project, incident: str, exc: Exception) -> str:
    """Why an incident could not be reported: the loader's located message, or the OS's."""
    if isinstance(exc, CloseoutError):
        return str(exc)
    path: Path = project.scenarios_dir / incident / POSTMORTEM_FILE
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return f"{project.display(path)}: cannot read: {reason}; left out"

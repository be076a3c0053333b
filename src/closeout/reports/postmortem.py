"""The postmortem page as a document: every section of SPEC §3 with its evidence attached.

Built once, rendered twice (``markdown.py``, ``html.py``). Links are relative to the page's
folder ``reports/<INC>/``, so they work on GitHub, in a wiki export and from the disk.
"""

from __future__ import annotations

import posixpath
from urllib.parse import quote

from closeout._format import duration, number, when
from closeout.models import Postmortem
from closeout.reports import charts
from closeout.reports.causal import graph_of, layout
from closeout.reports.collect import IncidentView
from closeout.reports.document import (
    Badge,
    Block,
    Bullets,
    Document,
    Facts,
    Heading,
    Inlines,
    Link,
    Para,
    Strong,
    Svg,
    Table,
    Text,
    joined,
    one,
    plain,
)
from closeout.reports.evidence_section import evidence_blocks
from closeout.reports.investigation import (
    cause_columns,
    diagram_blocks,
    investigation,
    lineage,
    service_levels,
)
from closeout.reports.postmortem_actions import action_blocks, actions_table

SEVERITY_TONES = {"SEV1": "sev1", "SEV2": "sev2", "SEV3": "sev3", "SEV4": "sev4"}


def relative(target: str, page_dir: str) -> str:
    """A URL from the page's folder to a project-relative path, percent-encoded."""
    return quote(posixpath.relpath(target, page_dir))


def build(
    view: IncidentView,
    page_dir: str,
    version: str,
    known: frozenset[str] = frozenset(),
    diagram: str | None = None,
) -> Document:
    """The whole postmortem of ``view`` as blocks; ``page_dir`` is the page's project folder,
    ``known`` the incidents of the archive (related incidents outside it are not linked),
    ``diagram`` the causal diagram's SVG when the caller lays it out (``build_reports`` lays
    many out in one Graphviz run and passes a placeholder)."""
    pm = view.postmortem
    blocks: list[Block] = [Heading(1, f"{pm.id}: {pm.title}"), *_overview(view, known)]
    blocks += [Heading(2, "Summary"), Para(plain(pm.summary.strip()))]
    blocks += _impact(pm)
    blocks += _timeline(view)
    blocks += _scope(pm)
    blocks += service_levels(pm)
    blocks += investigation(pm)
    blocks += _causes(pm)
    states = {a.status.action.id: a.status.state for a in view.actions}
    svg = diagram if diagram is not None else layout([graph_of(view)])[0]
    blocks += diagram_blocks(pm, svg, states)
    blocks += [Heading(2, "Actions"), actions_table(view, page_dir)]
    for action in view.actions:
        blocks += action_blocks(action, view, page_dir)
    blocks += _lessons(pm)
    blocks += _communication(pm)
    if pm.limitations:
        blocks += [Heading(2, "Limitations"), Para(plain(pm.limitations.strip()))]
    blocks += evidence_blocks(view)
    footer = (
        f"Rendered by closeout {version} at {when(view.as_of)}. Action states are derived from "
        "the evidence at that moment; `closeout status` gives the current state."
    )
    return Document(f"{pm.id}: {pm.title}", blocks, footer)


def _overview(view: IncidentView, known: frozenset[str]) -> list[Block]:
    pm = view.postmortem
    pairs: list[tuple[str, Inlines]] = [
        ("Severity", [Badge(pm.severity, SEVERITY_TONES.get(pm.severity, "info"))]),
        ("Status", plain(pm.status.replace("_", " "))),
    ]
    if pm.detection:
        source = f" ({pm.detection.source})" if pm.detection.source else ""
        pairs.append(("Detection", plain(pm.detection.method.replace("_", " ") + source)))
    if pm.trigger:
        pairs.append(("Trigger", plain(pm.trigger.strip())))
    if pm.risk:
        pairs.append(("Risk", plain(f"likelihood {pm.risk.likelihood}, impact {pm.risk.impact}")))
    if pm.tags:
        pairs.append(("Tags", joined([plain(t) for t in pm.tags])))
    if pm.related and (pm.related.recurrence_of or pm.related.incidents):
        pairs.append(("Related", _related(pm, known)))
    return [Facts(pairs), _key_times(view)]


def incident_link(incident: str, known: frozenset[str]) -> Inlines:
    """A link to another incident's page, or its plain id when the archive does not hold it."""
    if incident not in known:
        return plain(incident)
    folder = f"../{quote(incident)}"
    return [Link(incident, f"{folder}/index.html", f"{folder}/postmortem.md")]


def _related(pm: Postmortem, known: frozenset[str]) -> Inlines:
    assert pm.related is not None
    parts: list[Inlines] = []
    if pm.related.recurrence_of:
        parts.append([Text("recurrence of "), *incident_link(pm.related.recurrence_of, known)])
    parts += [incident_link(other, known) for other in pm.related.incidents]
    return joined(parts)


def _key_times(view: IncidentView) -> Table:
    fact = view.fact
    pm = view.postmortem
    rows = [
        ("Impact began", pm.started_at, "", None),
        ("Detected", pm.detected_at, "time to detect", (fact.detected_at, fact.started_at)),
        ("Diagnosed", pm.diagnosed_at, "time to diagnose", (fact.diagnosed_at, fact.detected_at)),
        ("Mitigated", pm.mitigated_at, "time to mitigate", (fact.mitigated_at, fact.started_at)),
        ("Resolved", pm.resolved_at, "time to resolve", (fact.resolved_at, fact.started_at)),
    ]
    cells: list[list[Inlines]] = []
    for milestone, moment, measure, span in rows:
        length = "-"
        if span and span[0] is not None and span[1] is not None:
            length = duration((span[0] - span[1]).total_seconds())
        cells.append([[Strong(milestone)], plain(when(moment)), plain(measure), plain(length)])
    return Table(
        ["Milestone", "Time", "Measure", "Duration"], cells, frozenset({3}), frozenset({1})
    )


def _impact(pm: Postmortem) -> list[Block]:
    impact = pm.impact
    pairs: list[tuple[str, Inlines]] = []
    if impact.users_affected is not None:
        pairs.append(("Users affected", plain(f"{impact.users_affected:,}")))
    if impact.requests_affected is not None:
        pairs.append(("Requests affected", plain(f"{impact.requests_affected:,}")))
    if impact.duration is not None:
        pairs.append(("Duration", plain(duration(impact.duration / 1000))))
    for key, value in impact.business.items():
        pairs.append((key.replace("_", " ").capitalize(), plain(number(value))))
    blocks: list[Block] = [Heading(2, "Impact"), Para(plain(impact.description.strip()))]
    return blocks + ([Facts(pairs)] if pairs else [])


def _timeline(view: IncidentView) -> list[Block]:
    pm = view.postmortem
    blocks: list[Block] = [Heading(2, "Timeline")]
    blocks.append(Svg(charts.incident_timeline(pm), "The incident's phases and timeline (UTC)"))
    if pm.timeline:
        rows: list[list[Inlines]] = [
            [plain(str(n)), plain(when(entry.at)), [Badge(entry.kind, "muted")], plain(entry.text)]
            for n, entry in enumerate(pm.timeline, start=1)
        ]
        blocks.append(Table(["#", "Time", "Kind", "What happened"], rows, nowrap=frozenset({1})))
    return blocks


def _scope(pm: Postmortem) -> list[Block]:
    scope = pm.scope
    if scope is None:
        return []
    pairs: list[tuple[str, Inlines]] = []
    for label, items in (("Models", scope.models), ("Datasets", scope.datasets)):
        if items:
            pairs.append((label, joined([lineage(i) for i in items])))
    for label, names in (("Pipelines", scope.pipelines), ("Teams", scope.teams)):
        if names:
            pairs.append((label, joined([plain(n) for n in names])))
    return [Heading(2, "Scope"), Facts(pairs)] if pairs else []


def _causes(pm: Postmortem) -> list[Block]:
    extra_headers, extra_cells = cause_columns(pm)  # level, evidence (SPEC §14)
    rows: list[list[Inlines]] = []
    for cause in pm.root_causes:
        by = [a.id for a in pm.actions if cause.id in a.addresses]
        rows.append(
            [
                [Strong(cause.id)],
                [Badge(cause.category, "info")],
                plain(cause.confidence),
                plain(cause.description.strip()),
                joined([one(Link(a, f"#action-{quote(a)}")) for a in by]) if by else plain("none"),
                *extra_cells[cause.id],
            ]
        )
    headers = ["Cause", "Category", "Confidence", "Description", "Addressed by", *extra_headers]
    blocks: list[Block] = [Heading(2, "Root causes"), Table(headers, rows)]
    if pm.contributing_factors:
        blocks += [
            Heading(3, "Contributing factors"),
            Bullets([plain(f) for f in pm.contributing_factors]),
        ]
    return blocks


def _lessons(pm: Postmortem) -> list[Block]:
    lessons = pm.lessons
    if lessons is None:
        return []
    blocks: list[Block] = [Heading(2, "Lessons")]
    for title, items in (
        ("What went well", lessons.went_well),
        ("What went wrong", lessons.went_wrong),
        ("Where we got lucky", lessons.got_lucky),
    ):
        if items:
            blocks += [Heading(3, title), Bullets([plain(i) for i in items])]
    return blocks if len(blocks) > 1 else []


def _communication(pm: Postmortem) -> list[Block]:
    comm = pm.communication
    if comm is None or not (comm.audiences or comm.summary):
        return []
    pairs: list[tuple[str, Inlines]] = []
    if comm.audiences:
        pairs.append(("Audiences", joined([plain(a) for a in comm.audiences])))
    blocks: list[Block] = [Heading(2, "Communication"), Facts(pairs)] if pairs else []
    if not blocks:
        blocks = [Heading(2, "Communication")]
    if comm.summary:
        blocks.append(Para(plain(comm.summary.strip())))
    return blocks

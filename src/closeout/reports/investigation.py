"""The investigation part of a postmortem page (SPEC §14), as document blocks.

Who reviewed (facilitator, participants), the evidence with the team responsible and what
cites it, the hypotheses with their supporting and contradicting evidence, dissent,
assumptions and the peer reviews; the service levels the incident breached; and the causal
diagram (drawn by ``causal.py``). Built once, rendered by ``markdown.py`` and ``html.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from closeout._format import duration, percent
from closeout._terminal import table
from closeout.models import NamedVersion, Postmortem
from closeout.models.investigation import Dissent, Evidence, Hypothesis
from closeout.reports.document import (
    Badge,
    Block,
    Break,
    Bullets,
    Code,
    Facts,
    Heading,
    Inlines,
    Link,
    Strong,
    Svg,
    Table,
    Text,
    joined,
    plain,
)
from closeout.reports.postmortem_actions import STATE_TONES

HYPOTHESIS_TONES = {"confirmed": "good", "refuted": "muted", "open": "warn", "inconclusive": "info"}
VERDICT_TONES = {"approved": "good", "changes_requested": "warn", "rejected": "bad"}
LEGEND = (
    "Actions are coloured by state: green closed or verified, blue open, red failing or "
    "regressed, amber stale, grey waived or not doing. Refuted hypotheses are struck through; "
    "a dashed red edge is contradicting evidence. Hover a box for its full text."
)
_URL_SAFE = ":/?#[]@!$&*+,;=%"


def external_link(text: str, url: str) -> Link:
    """A link to a validated http(s) URL, with the characters Markdown would misread encoded."""
    href = quote(url, safe=_URL_SAFE)
    return Link(text, href, href)


def lineage(item: NamedVersion) -> Inlines:
    """A model or dataset of the scope: name, version and, when given, its URI."""
    name = f"{item.name} {item.version}" if item.version else item.name
    return [Text(name), Text(" "), Code(item.uri)] if item.uri else plain(name)


def cause_columns(pm: Postmortem) -> tuple[list[str], dict[str, list[Inlines]]]:
    """Extra root-cause columns (level, evidence) when any cause gives them."""
    headers = []
    if any(c.level for c in pm.root_causes):
        headers.append("Level")
    if any(c.evidence for c in pm.root_causes):
        headers.append("Evidence")
    cells: dict[str, list[Inlines]] = {}
    for cause in pm.root_causes:
        row: list[Inlines] = []
        if "Level" in headers:
            row.append(plain(cause.level or "-"))
        if "Evidence" in headers:
            row.append(_ids(cause.evidence))
        cells[cause.id] = row
    return headers, cells


def _ids(ids: list[str]) -> Inlines:
    return joined([plain(i) for i in ids]) if ids else plain("-")


def service_levels(pm: Postmortem) -> list[Block]:
    """The service levels the incident is tied to, breached ones marked."""
    if not pm.slos:
        return []
    rows: list[list[Inlines]] = [
        [
            [Strong(slo.sli)],
            plain(slo.objective),
            plain(slo.observed or "-"),
            [Badge("breached", "bad") if slo.breached else Badge("met", "good")],
        ]
        for slo in pm.slos
    ]
    table = Table(["Indicator", "Objective", "Observed", "Objective met?"], rows)
    return [Heading(2, "Service levels"), table]


def investigation(pm: Postmortem) -> list[Block]:
    """The Investigation section; empty when the postmortem records none of it."""
    blocks: list[Block] = []
    blocks += _people(pm)
    blocks += _evidence(pm)
    blocks += _hypotheses(pm)
    if pm.dissent:
        blocks += [Heading(3, "Dissent"), Bullets([_dissent(d) for d in pm.dissent])]
    if pm.assumptions:
        blocks += [Heading(3, "Assumptions"), Bullets([plain(a) for a in pm.assumptions])]
    blocks += _reviews(pm)
    return [Heading(2, "Investigation"), *blocks] if blocks else []


def _people(pm: Postmortem) -> list[Block]:
    pairs: list[tuple[str, Inlines]] = []
    if pm.facilitator:
        pairs.append(("Facilitator", plain(pm.facilitator)))
    if pm.participants:
        people = [plain(f"{p.name} ({p.role.replace('_', ' ')})") for p in pm.participants]
        pairs.append(("Participants", joined(people)))
    return [Facts(pairs)] if pairs else []


def _cited_by(pm: Postmortem, evidence: str) -> Inlines:
    citing = [h.id for h in pm.hypotheses if evidence in h.supporting + h.contradicting]
    citing += [c.id for c in pm.root_causes if evidence in c.evidence]
    return _ids(citing)


def _what(item: Evidence) -> Inlines:
    what: Inlines = [external_link(item.title, item.url)] if item.url else plain(item.title)
    if item.location:
        what += [Break(), Code(item.location)]
    if item.note:
        what += [Break(), Text(item.note)]
    return what


def _evidence(pm: Postmortem) -> list[Block]:
    if not pm.evidence:
        return []
    rows: list[list[Inlines]] = [
        [
            [Strong(item.id)],
            plain(item.kind.replace("_", " ")),
            _what(item),
            plain(item.team),
            _cited_by(pm, item.id),
        ]
        for item in pm.evidence
    ]
    headers = ["Evidence", "Kind", "What", "Team", "Cited by"]
    return [Heading(3, "Evidence gathered"), Table(headers, rows)]


def _statement(hypothesis: Hypothesis) -> Inlines:
    text: Inlines = plain(hypothesis.statement)
    return [*text, Break(), Text(hypothesis.note)] if hypothesis.note else text


def _hypotheses(pm: Postmortem) -> list[Block]:
    if not pm.hypotheses:
        return []
    rows: list[list[Inlines]] = [
        [
            [Strong(h.id)],
            _statement(h),
            [Badge(h.status, HYPOTHESIS_TONES.get(h.status, "info"))],
            _ids(h.supporting),
            _ids(h.contradicting),
            _ids(h.root_causes),
        ]
        for h in pm.hypotheses
    ]
    headers = ["Hypothesis", "Statement", "Status", "Supporting", "Contradicting", "Root causes"]
    return [Heading(3, "Hypotheses"), Table(headers, rows)]


def _dissent(dissent: Dissent) -> Inlines:
    about = f" (on {dissent.about})" if dissent.about else ""
    answer = f"Response: {dissent.response}" if dissent.response else "No response recorded."
    return [Strong(dissent.by), Text(f"{about}: {dissent.view}"), Break(), Text(answer)]


def _reviews(pm: Postmortem) -> list[Block]:
    if not pm.reviewers:
        return []
    rows: list[list[Inlines]] = [
        [
            [Strong(review.name)],
            plain(review.at.isoformat()),
            [Badge(review.verdict.replace("_", " "), VERDICT_TONES.get(review.verdict, "info"))],
            plain(review.note or ""),
        ]
        for review in pm.reviewers
    ]
    return [Heading(3, "Peer review"), Table(["Reviewer", "Date", "Verdict", "Note"], rows)]


def diagram_blocks(pm: Postmortem, svg: str, states: Mapping[str, str]) -> list[Block]:
    """The causal diagram (HTML only) and, for every reader, the same chains in words."""
    caption = f"Evidence → hypotheses → root causes → actions → scenarios. {LEGEND}"
    chains = [_chain(pm, cause.id, states) for cause in pm.root_causes]
    return [Heading(2, "Causal diagram"), Svg(svg, caption), Bullets(chains)]


def _chain(pm: Postmortem, cause_id: str, states: Mapping[str, str]) -> Inlines:
    """``RC1: established by H1 (confirmed) on E3, E4; addressed by A1 (closed), A2 (open)``."""
    cause = next(c for c in pm.root_causes if c.id == cause_id)
    runs: Inlines = [Strong(cause.id), Text(f" ({cause.category}")]
    runs.append(Text(f", {cause.level})" if cause.level else ")"))
    found = [h for h in pm.hypotheses if cause.id in h.root_causes]
    for hypothesis in found:
        evidence = hypothesis.supporting
        on = f" on {', '.join(evidence)}" if evidence else ""
        runs.append(Text(f"; established by {hypothesis.id} ({hypothesis.status}){on}"))
    if cause.evidence:
        runs.append(Text(f"; evidence {', '.join(cause.evidence)}"))
    actions = [a.id for a in pm.actions if cause.id in a.addresses]
    runs.append(Text("; addressed by " if actions else "; addressed by no action"))
    for index, action in enumerate(actions):
        state = states.get(action, "open")
        runs += [Text(", " if index else ""), Text(f"{action} ")]
        runs.append(Badge(state.replace("_", " "), STATE_TONES.get(state, "info")))
    return runs


def investigation_metrics_text(metrics: dict[str, Any]) -> str:
    """The SPEC §14 metrics as text: time to close per action type, refuted hypotheses."""
    overall = metrics["overall"]["time_to_close_by_action_type"]
    rows = [[kind, _spread(stats)] for kind, stats in overall.items()]
    closing = table(["action type", "time to close: median / p90 (n)"], rows)
    groups = {"all": metrics["investigation"]["overall"], **metrics["investigation"]["by_severity"]}
    refuted = table(
        ["group", "with hypotheses", "refuted one", "share"],
        [
            [
                name,
                stats["incidents_with_hypotheses"],
                stats["with_refuted_hypothesis"],
                percent(stats["refuted_hypothesis_share"]),
            ]
            for name, stats in groups.items()
        ],
    )
    legend = (
        "refuted share: incidents with a refuted hypothesis among those that record hypotheses "
        "(SPEC §14); time to close as above, per action type"
    )
    return "\n\n".join(["", closing, refuted, legend])


def _spread(stats: dict[str, Any]) -> str:
    if not stats["n"]:
        return "-"
    return f"{duration(stats['median_s'])} / {duration(stats['p90_s'])} ({stats['n']})"

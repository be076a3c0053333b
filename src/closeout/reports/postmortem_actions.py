"""The actions part of a postmortem page: the action table, and per action its state, why,
its scenarios (verdict, pre-fix verdict, discriminating, key figures) and their charts."""

from __future__ import annotations

import posixpath
from typing import Any
from urllib.parse import quote

from closeout._format import stamp
from closeout.reports.collect import ActionView, IncidentView, ScenarioView
from closeout.reports.document import (
    Badge,
    Block,
    Break,
    Bullets,
    Code,
    Details,
    Facts,
    Gallery,
    Heading,
    Image,
    Inlines,
    Link,
    Para,
    Strong,
    Table,
    Text,
    joined,
    one,
    plain,
)
from closeout.reports.figures import artifacts, key_figures
from closeout.state import ActionStatus

STATE_TONES = {
    "closed": "good",
    "verified": "good",
    "open": "info",
    "failing": "bad",
    "regressed": "bad",
    "stale": "warn",
    "waived": "muted",
    "not_doing": "muted",
}
VERDICT_TONES = {"pass": "good", "fail": "bad", "inconclusive": "warn", "error": "bad"}
SETTLED = ("closed", "waived", "not_doing")


def evidence_link(text: str, file: str) -> Link:
    return Link(text, f"evidence/{quote(file)}")


def state_badges(state: str, overdue: bool) -> Inlines:
    out: Inlines = [Badge(state.replace("_", " "), STATE_TONES.get(state, "info"))]
    return [*out, Text(" "), Badge("overdue", "alert")] if overdue else out


def verdict_badge(verdict: object) -> Inlines:
    if not isinstance(verdict, str):
        return [Badge("not run", "muted")]
    return [Badge(verdict, VERDICT_TONES.get(verdict, "info"))]


def ticket_inlines(ticket: str | None, tickets: dict[str, str]) -> Inlines:
    """A ticket as a link under ``ticket_url``, else as plain text (nothing without one)."""
    if not ticket:
        return []
    url = tickets.get(ticket)
    return [Link(ticket, url)] if url else plain(ticket)


def stale_why(status: ActionStatus) -> str:
    """Why a stale action is stale (its reasons, in state's words), or ``""``."""
    return "; ".join(status.reasons) if status.state == "stale" else ""


def actions_table(view: IncidentView, page_dir: str) -> Table:
    rows: list[list[Inlines]] = []
    for item in view.actions:
        action = item.status.action
        ticket = ticket_inlines(action.ticket, view.tickets)
        why = stale_why(item.status)
        rows.append(
            [
                [Link(action.id, f"#action-{quote(action.id)}")],
                [Text(action.title), *([Break(), Text("ticket "), *ticket] if ticket else [])],
                plain(action.type),
                plain(action.priority or "-"),
                plain(action.owner),
                plain(action.due.isoformat()),
                [*state_badges(item.status.state, item.status.overdue)]
                + ([Break(), Text(why)] if why else []),
                _evidence_links(item) or plain("-"),
            ]
        )
    headers = ["Action", "Title", "Type", "Priority", "Owner", "Due", "State", "Evidence"]
    return Table(headers, rows, nowrap=frozenset({5}), wrap=frozenset({6, 7}))


def _evidence_links(item: ActionView) -> Inlines:
    links: list[Inlines] = [
        [evidence_link(s.name, s.latest_file)] for s in item.scenarios if s.latest_file
    ]
    links += [one(evidence_link("closure", summary.file)) for summary, _ in item.closures[:1]]
    links += [one(evidence_link("waiver", summary.file)) for summary, _ in item.waivers[-1:]]
    return joined(links)


def action_blocks(item: ActionView, view: IncidentView, page_dir: str) -> list[Block]:
    """The section of one action: state, details, scenarios and their evidence."""
    status = item.status
    action = status.action
    blocks: list[Block] = [
        Heading(3, f"{action.id}: {action.title}", anchor=f"action-{action.id}"),
        Facts(_action_facts(item, view)),
    ]
    if status.state not in SETTLED and status.reasons:
        lead = "Why it is not closed yet:"
        if status.state == "stale":
            lead = "Why it is stale (the evidence no longer shows the fix holds):"
        if status.state == "verified":
            lead = f"Ready to close: `closeout close {view.postmortem.id} {action.id} --by WHO`."
        blocks.append(Para([Strong(lead)]))
        if status.reasons:
            blocks.append(Bullets([plain(r) for r in status.reasons]))
    if item.scenarios:
        blocks.append(_scenario_table(item, page_dir))
        for scenario in item.scenarios:
            if scenario.latest is not None:
                blocks += _scenario_evidence(scenario, page_dir, view.html_views)
    return blocks


def _action_facts(item: ActionView, view: IncidentView) -> list[tuple[str, Inlines]]:
    status = item.status
    action = status.action
    causes = {c.id: c.category for c in view.postmortem.root_causes}
    pairs: list[tuple[str, Inlines]] = [
        ("State", state_badges(status.state, status.overdue)),
        (
            "Type / priority / owner / due",
            plain(f"{action.type} / {action.priority or '-'} / {action.owner} / {action.due}"),
        ),
        (
            "Addresses",
            joined([plain(f"{c} ({causes.get(c, '?')})") for c in action.addresses]),
        ),
        ("Success criteria", plain(action.success_criteria.strip())),
    ]
    if action.ticket:
        pairs.append(("Ticket", ticket_inlines(action.ticket, view.tickets)))
    for summary, record in item.closures[:1]:
        note = _text(record, "note")
        pairs.append(
            (
                "Closed",
                [
                    Text(f"{stamp(summary.started_at)} by {summary.by or '?'}"),
                    Text(f": {note} " if note else " "),
                    Text("("),
                    evidence_link("closure record", summary.file),
                    Text(")"),
                ],
            )
        )
    if action.waiver is not None:
        pairs.append(
            ("Waiver", plain(f"{action.waiver.reason} (approved by {action.waiver.approved_by})"))
        )
    for summary, record in item.waivers[-1:]:
        reason = _text(record, "reason") or "no reason recorded"
        pairs.append(
            (
                "Waived",
                [
                    Text(f"{stamp(summary.started_at)} by {summary.by or '?'}: {reason} ("),
                    evidence_link("waiver record", summary.file),
                    Text(")"),
                ],
            )
        )
    if action.status == "not_doing":
        pairs.append(("Not doing", plain(action.rationale or "")))
    if item.recurrences:
        links = [one(evidence_link(stamp(r.started_at), r.file)) for r in item.recurrences]
        pairs.append(("Recurrences", [Text(f"{len(links)}: "), *joined(links)]))
    return pairs


def _text(record: dict[str, Any] | None, key: str) -> str:
    value = record.get(key) if record else None
    return value.strip() if isinstance(value, str) else ""


def _scenario_table(item: ActionView, page_dir: str) -> Table:
    rows: list[list[Inlines]] = []
    for scenario in item.scenarios:
        latest, proof = scenario.latest, scenario.proof or scenario.latest
        name: Inlines = [Strong(scenario.name)]
        if scenario.path:
            name = [Link(scenario.name, quote(posixpath.relpath(scenario.path, page_dir)))]
        if latest is None:
            rows.append([name, plain("-"), verdict_badge(None), [], [], plain("-"), [], []])
            continue
        before = proof.get("before_verdict") if proof else None
        rows.append(
            [
                name,
                plain(str(latest.get("kind", "-"))),
                verdict_badge(latest.get("verdict")),
                verdict_badge(before) if before else plain("-"),
                _discriminating(proof),
                plain(f"{stamp(latest.get('started_at'))} ({latest.get('trigger', '?')})"),
                _figures_cell(latest),
                _run_links(scenario),
            ]
        )
    headers = [
        "Scenario",
        "Kind",
        "Verdict",
        "Before fix",
        "Discriminating",
        "Last run",
        "Key figures",
        "Evidence",
    ]
    return Table(headers, rows, wrap=frozenset({0, 6}))


def _run_links(scenario: ScenarioView) -> Inlines:
    links: Inlines = [evidence_link("record", scenario.latest_file or "")]
    if scenario.proof_file and scenario.proof_file != scenario.latest_file:
        links += [Text(", "), evidence_link("pre-fix run", scenario.proof_file)]
    return links


def _discriminating(proof: dict[str, Any] | None) -> Inlines:
    if proof is None or proof.get("discriminating") is None:
        return plain("-")
    if proof.get("before_verdict") == "pass":
        return [Badge("no: vacuous", "bad")]
    return [Badge("yes", "good")] if proof.get("discriminating") else [Badge("no", "bad")]


def _figures_cell(record: dict[str, Any]) -> Inlines:
    out: Inlines = []
    for index, (label, value) in enumerate(key_figures(record)):
        if index:
            out.append(Break())
        out += [Text(f"{label}: "), Strong(value)]
    return out or plain("-")


def _scenario_evidence(
    scenario: ScenarioView, page_dir: str, html_views: frozenset[str] = frozenset()
) -> list[Block]:
    """The charts of the latest run, then its expectations (collapsed unless it failed)."""
    record = scenario.latest or {}
    images: list[Image] = []
    links: list[Block] = []
    shown = artifacts(record)
    if scenario.proof is not None and scenario.proof_file != scenario.latest_file:
        # A gate or scheduled run skips the pre-fix state: its chart comes from the proof run.
        shown += [a for a in artifacts(scenario.proof) if a.label.startswith("pre-fix")]
    for artifact in shown:
        url = quote(posixpath.relpath(artifact.path, page_dir))
        if artifact.kind == "image":
            images.append(Image(url, f"{scenario.name}: {artifact.label}"))
            continue
        label = Text(f"{scenario.name}, {artifact.label}: ")
        runs: Inlines = [label, Link(artifact.path, url)]
        if artifact.html_view in html_views:
            view_url = quote(posixpath.relpath(artifact.html_view, page_dir))
            runs += [Text(" ("), Link("view the report", view_url), Text(")")]
        links.append(Para(runs))
    blocks: list[Block] = [Gallery(images)] if images else []
    return [*blocks, *links, _expectations(scenario.name, record)]


def _expectations(name: str, record: dict[str, Any]) -> Details:
    blocks: list[Block] = []
    expectations = [e for e in record.get("expectations") or [] if isinstance(e, dict)]
    rows: list[list[Inlines]] = [
        [
            verdict_badge(e.get("outcome")),
            plain(e.get("name")),
            plain(e.get("observed")),
            plain(e.get("target")),
        ]
        for e in expectations
    ]
    if rows:
        blocks.append(Table(["Outcome", "Expectation", "Observed", "Target"], rows))
    for expectation in expectations:
        if expectation.get("detail") and expectation.get("outcome") != "pass":
            label = Strong(f"{expectation.get('name')}: ")
            blocks.append(Para([label, Code(str(expectation["detail"]))]))
    if isinstance(record.get("error"), str) and record["error"]:
        blocks.append(Para([Strong("Error: "), Code(record["error"])]))
    verdict = record.get("verdict")
    summary = f"{name}: {len(expectations)} expectation(s), latest run {verdict}"
    return Details(summary, blocks, opened=verdict != "pass")

"""The Evidence section of a postmortem page, readable after a year of nightly runs.

Per action and scenario it shows the records a state rests on: the latest run, the proving
run (the latest one that also replayed the pre-fix state, which makes a closure count), and
the action's latest closure, waiver and recurrence. Everything older is folded behind a
disclosure that says how many records it holds. Every record shows whether it is signed and
whether it counts (``closeout verify``'s decision); files that count for nothing are listed
with the reason.
"""

from __future__ import annotations

from urllib.parse import quote

from closeout._format import stamp
from closeout.reports.collect import ActionView, IncidentView
from closeout.reports.document import Badge, Block, Details, Heading, Inlines, Link, Para, Table
from closeout.reports.document import plain as _plain
from closeout.signing import SigCheck
from closeout.store import RecordSummary

HEADERS = ["Scenario", "Record", "Time", "Outcome", "Signature", "Verified", "File"]
SIGNATURES = {  # SigCheck.status -> what the page says, and its tone
    "valid": ("signed", "good"),
    "unchecked": ("signed, not checked: no key here", "warn"),
    "none": ("unsigned", "muted"),
    "bad": ("bad signature", "bad"),
    "malformed": ("malformed signature", "bad"),
    "unknown": ("signed by an unknown key", "warn"),
}


def evidence_blocks(view: IncidentView) -> list[Block]:
    """The Evidence section: the records that matter per scenario, older ones folded."""
    records = [r for r in view.records if r.readable]
    blocks: list[Block] = [Heading(2, "Evidence")]
    if not records and not view.rejected:
        return [*blocks, Para(_plain("No evidence recorded yet."))]
    blocks.append(Para(_plain(_summary(records, view))))
    shown: set[str] = set()
    for action in view.actions:
        rows = _key_rows(action, view)
        shown.update(record.file for _, _, record in rows)
        older = _older(action.status.action.id, records, shown, view)
        if rows or older:
            blocks.append(Heading(3, f"Evidence of {action.status.action.id}"))
        if rows:
            blocks.append(_table([_row(s, r, record, view) for s, r, record in rows]))
        blocks += older
    others = [r for r in records if r.file not in shown and not _of_known_action(r, view)]
    if others:
        cells = [_row(r.scenario or "-", r.type, r, view) for r in reversed(others)]
        blocks.append(Details(f"Records of no listed action ({len(others)})", [_table(cells)]))
    if view.rejected:
        blocks += _rejected(view)
    return blocks


def _summary(records: list[RecordSummary], view: IncidentView) -> str:
    signed = sum(1 for r in records if _signature(r, view).status == "valid")
    text = (
        f"{len(records)} record(s) in evidence/ count ({signed} signed). Per scenario: the "
        "latest run, the proving run (the run that also replayed the pre-fix state) and the "
        "closure; older records are folded below each action."
    )
    if view.rejected:
        text += f" {len(view.rejected)} file(s) count for nothing: listed at the end."
    return text


def _key_rows(action: ActionView, view: IncidentView) -> list[tuple[str, str, RecordSummary]]:
    """(scenario, role, record): latest and proving run per scenario, then the latest
    closure, waiver and recurrence of the action."""
    rows: list[tuple[str, str, RecordSummary]] = []
    for scenario in action.status.scenarios:
        if scenario.latest is not None:
            rows.append((scenario.name, "latest run", scenario.latest))
        if scenario.proof is not None and scenario.proof.file != _file(scenario.latest):
            rows.append((scenario.name, "proving run", scenario.proof))
    for role, found in (
        ("closure", [summary for summary, _ in action.closures]),
        ("waiver", [summary for summary, _ in action.waivers]),
        ("recurrence", action.recurrences),
    ):
        if found:
            rows.append(("-", role, found[-1]))  # summaries come oldest first
    return rows


def _file(record: RecordSummary | None) -> str:
    return record.file if record is not None else ""


def _older(
    action: str, records: list[RecordSummary], shown: set[str], view: IncidentView
) -> list[Block]:
    """The action's other records, newest first, behind one disclosure per scenario."""
    older = [r for r in reversed(records) if r.action == action and r.file not in shown]
    groups: dict[str, list[RecordSummary]] = {}
    for record in older:
        groups.setdefault(record.scenario or f"{record.type} records", []).append(record)
    out: list[Block] = []
    for name, group in groups.items():
        rows = [_row(r.scenario or "-", r.type, r, view) for r in group]
        summary = f"{action} · {name}: {len(group)} older record(s)"
        out.append(Details(summary, [_table(rows)]))
    return out


def _of_known_action(record: RecordSummary, view: IncidentView) -> bool:
    return any(record.action == a.status.action.id for a in view.actions)


def _table(rows: list[list[Inlines]]) -> Table:
    return Table(HEADERS, rows, nowrap=frozenset({2}), wrap=frozenset({0, 6}))


def _row(scenario: str, role: str, record: RecordSummary, view: IncidentView) -> list[Inlines]:
    outcome = record.verdict or (f"by {record.by}" if record.by else "")
    return [
        _plain(scenario),
        _plain(role),
        _plain(stamp(record.started_at)),
        _plain(outcome),
        signature_badge(_signature(record, view)),
        [Badge("verified ✓", "good")],  # listed records count: closeout verify accepts them
        [Link(record.file, f"evidence/{quote(record.file)}", title=record.sha256)],
    ]


def _signature(record: RecordSummary, view: IncidentView) -> SigCheck:
    found = view.signatures.get(record.file)
    if found is not None:
        return found
    return SigCheck("valid" if record.signed else "none")


def signature_badge(check: SigCheck) -> Inlines:
    """``signed`` (and by which key), ``unsigned``, or what is wrong with the signature."""
    text, tone = SIGNATURES.get(check.status, (check.status, "warn"))
    if check.status == "valid" and check.signer:
        text = f"signed ✓ ({check.signer})"
    return [Badge(text, tone)]


def _rejected(view: IncidentView) -> list[Block]:
    rows: list[list[Inlines]] = []
    for file, problem in view.rejected:
        rows.append(
            [
                [Link(file, f"evidence/{quote(file)}")],
                [Badge("not verified", "bad")],
                _plain(problem),
            ]
        )
    table = Table(["File", "Verified", "Why it counts for nothing"], rows, wrap=frozenset({0}))
    return [Heading(3, "Files that count for nothing"), table]

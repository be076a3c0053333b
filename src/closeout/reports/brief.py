"""``reports/<INC>/brief.md``: the one-page summary for readers outside ML (SPEC §14).

Impact, what changed, why, and where each action stands, in words: no expression, metric
name, file path or stack trace. It is built only from the postmortem's prose fields (which
SPEC §3 asks to be plain language) and the derived action states, never from scenarios or
evidence records; and the prose itself is passed through ``plain_language``, which drops
stack-trace lines, file paths and ``module:function`` references, and spells identifiers
(``low_confidence_share``, ``model_input_psi{feature="income"}``) as words.
"""

from __future__ import annotations

import re
from datetime import datetime

from closeout._format import duration
from closeout.models import Postmortem
from closeout.reports.document import Block, Bullets, Document, Facts, Heading, Para, Table, plain
from closeout.reports.markdown import render
from closeout.state import ActionStatus

SEVERITY_WORDS = {"SEV1": "critical", "SEV2": "major", "SEV3": "moderate", "SEV4": "minor"}
STATE_WORDS = {
    "closed": "Done, with proof that the fix works against the incident's own data",
    "verified": "Fix proven; waiting for sign-off",
    "open": "In progress",
    "failing": "In progress: the latest check of the fix did not pass yet",
    "regressed": "Reopened: the problem came back after the action was closed",
    "stale": "Done, but its proof is out of date and is being checked again",
    "waived": "Closed without an automated check (an agreed exception)",
    "not_doing": "Not doing",
}
DONE = ("closed", "stale")

# A pasted traceback, on its own lines or folded into one by YAML's ``>``.
_TRACEBACK = re.compile(
    r"Traceback \(most recent call last\):.*?\b[A-Z]\w*(?:Error|Exception|Interrupt|Exit)\b"
    r"(?::[^\n.]*\.?)?",
    re.DOTALL,
)
_FRAME = re.compile(r"File \"[^\"]*\", line \d+(?:, in [\w<>]+)?")
_URI = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+")
_CODE_REFERENCE = re.compile(r"\b[a-z_]\w*(?:\.[a-z_]\w*)+:[A-Za-z_]\w*(?:\(\))?")
_PATH = re.compile(
    r"(?<![\w@])(?:\.{0,2}/)?(?:[\w.-]+/)+[\w-]+\.[A-Za-z]\w{0,7}\b"  # dir/file.ext
    r"|(?<![\w@/])(?:fixtures|scenarios|reports|src|tests|monitoring)/[\w./-]*"
)
_SELECTOR = re.compile(r"\{[^{}]*=[^{}]*\}|\[\d+[smhdw]\]")
_SNAKE = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b")
_CAMEL = re.compile(r"\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+){2,}\b")
_BACKTICKS = re.compile(r"`+")
_SPACES = re.compile(r"\s+")


def plain_language(text: str) -> str:
    """``text`` without code: tracebacks, file paths, URIs, ``module:function`` references
    and label selectors go; identifiers (snake_case, CamelCase) become words."""
    text = _TRACEBACK.sub(" ", text)
    text = _FRAME.sub(" ", text)
    text = _URI.sub("a link", text)
    text = _CODE_REFERENCE.sub("its code", text)
    text = _PATH.sub("a file", text)
    text = _SELECTOR.sub("", text)
    text = _BACKTICKS.sub("", text)
    text = _SNAKE.sub(lambda m: m[0].replace("_", " "), text)
    text = _CAMEL.sub(lambda m: re.sub(r"(?<!^)(?=[A-Z])", " ", m[0]), text)
    return _SPACES.sub(" ", text).strip()


def first_sentence(text: str) -> str:
    """The first sentence of ``text`` (all of it when it has one)."""
    found = re.match(r"(.+?[.!?])(\s|$)", text.strip(), re.DOTALL)
    return found[1] if found else text.strip()


def build_brief(pm: Postmortem, statuses: list[ActionStatus], as_of: datetime) -> Document:
    """The brief of one incident as a document (rendered to Markdown by ``render_brief``)."""
    word = SEVERITY_WORDS.get(pm.severity, pm.severity)
    blocks: list[Block] = [
        Heading(1, f"Incident brief: {plain_language(pm.title)}"),
        Para(plain(f"A {word} incident ({pm.severity}); write-up {pm.status.replace('_', ' ')}.")),
        Heading(2, "What happened"),
        Para(plain(plain_language(pm.summary))),
        *_impact(pm),
    ]
    if pm.trigger:
        blocks += [Heading(2, "What changed"), Para(plain(plain_language(pm.trigger)))]
    causes = [plain(plain_language(first_sentence(c.description))) for c in pm.root_causes]
    blocks += [Heading(2, "Why it happened"), Bullets(causes)]
    blocks += _actions(statuses)
    if pm.communication and pm.communication.summary:
        summary = plain_language(pm.communication.summary)
        blocks += [Heading(2, "Who was told"), Para(plain(summary))]
    footer = (
        f"Prepared by closeout on {as_of.day} {as_of:%B %Y} from the postmortem and its evidence; "
        "the full technical write-up is postmortem.md."
    )
    return Document(f"Incident brief: {pm.title}", blocks, footer)


def render_brief(pm: Postmortem, statuses: list[ActionStatus], as_of: datetime) -> str:
    """The brief as Markdown."""
    return render(build_brief(pm, statuses, as_of))


def _impact(pm: Postmortem) -> list[Block]:
    impact = pm.impact
    pairs = []
    if impact.users_affected is not None:
        pairs.append(("People affected", plain(f"{impact.users_affected:,}")))
    lasted = _impact_seconds(pm)
    if lasted is not None:
        start = f"{pm.started_at.day} {pm.started_at:%B %Y, %H:%M %Z}".rstrip()
        pairs.append(("How long", plain(f"{duration(lasted)}, from {start}")))
    noticed = duration((pm.detected_at - pm.started_at).total_seconds())
    pairs.append(("Noticed after", plain(noticed)))
    missed = [plain_language(f"{s.sli} ({s.objective})") for s in pm.slos if s.breached]
    if missed:
        pairs.append(("Service levels missed", plain("; ".join(missed))))
    return [Heading(2, "Impact"), Para(plain(plain_language(impact.description))), Facts(pairs)]


def _impact_seconds(pm: Postmortem) -> float | None:
    """How long users were affected: the stated duration, else until mitigation (or
    resolution when there was no separate mitigation)."""
    if pm.impact.duration is not None:
        return pm.impact.duration / 1000
    end = pm.mitigated_at or pm.resolved_at
    return (end - pm.started_at).total_seconds() if end is not None else None


def _where(status: ActionStatus) -> str:
    words = STATE_WORDS.get(status.state, status.state)
    if status.state == "not_doing" and status.action.rationale:
        words += f": {plain_language(status.action.rationale)}"
    return words + (" (overdue)" if status.overdue else "")


def _actions(statuses: list[ActionStatus]) -> list[Block]:
    rows = [
        [
            plain(plain_language(s.action.title)),
            plain(s.action.owner),
            plain(s.action.due.isoformat()),
            plain(_where(s)),
        ]
        for s in statuses
    ]
    done = sum(s.state in DONE for s in statuses)
    settled = sum(s.state in ("waived", "not_doing") for s in statuses)
    overdue = sum(s.overdue for s in statuses)
    tally = f"{done} of {len(statuses)} actions done with proof"
    tally += f", {settled} closed without a check or dropped" if settled else ""
    tally += f", {overdue} overdue" if overdue else ""
    table = Table(["Action", "Owner", "Due", "Where it stands"], rows, nowrap=frozenset({2}))
    return [Heading(2, "Where each action stands"), Para(plain(tally + ".")), table]

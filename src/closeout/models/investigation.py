"""SPEC §14: the investigation sections of a postmortem, as frozen models.

How the team reasoned its way to the root causes: the evidence it gathered (each piece mapped
to the team responsible for it), the hypotheses it tested with their supporting and
contradicting evidence, dissenting views, assumptions, the people in the review, the peer
reviewers, and the service-level objectives the incident breached. Every section is optional.

References between sections (a hypothesis citing evidence, a root cause citing evidence, a
dissent about a hypothesis) are checked while the postmortem is validated, so a dangling id
or a duplicate one is an error at its own ``file:line`` wherever a postmortem is loaded
(``closeout lint``, ``run``, pytest). ``Postmortem`` opens ``resolving(raw)`` around its own
validation; the ids known there are read from the raw mapping before any field is validated.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from closeout.models.base import Identifier, Model, NonEmptyText, suggest

EvidenceKind = Literal[
    "log",
    "dashboard",
    "version_record",
    "model_artifact",
    "dataset",
    "query",
    "ticket",
    "other",
]
HypothesisStatus = Literal["open", "confirmed", "refuted", "inconclusive"]
Role = Literal[
    "incident_commander",
    "facilitator",
    "scribe",
    "ml_research",
    "ml_engineering",
    "data_engineering",
    "data_science",
    "platform",
    "sre",
    "security",
    "product",
    "operations",
    "support",
    "legal",
    "communications",
    "management",
    "domain_expert",
    "other",
]
ReviewVerdict = Literal["approved", "changes_requested", "rejected"]
EVIDENCE_KINDS: tuple[str, ...] = get_args(EvidenceKind)
HYPOTHESIS_STATUSES: tuple[str, ...] = get_args(HypothesisStatus)
PARTICIPANT_ROLES: tuple[str, ...] = get_args(Role)
URL_PATTERN = r"^https?://[^\s<>\"'`]+$"
_URL = re.compile(URL_PATTERN)


# --------------------------------------------------------------------------- references


@dataclass
class _Known:
    """The ids of one postmortem under validation, and the ids already claimed by an entry."""

    ids: dict[str, frozenset[str]]
    claimed: dict[str, set[str]] = field(default_factory=dict)


_KNOWN: ContextVar[_Known | None] = ContextVar("closeout_postmortem_ids", default=None)
_NOUNS = {
    "evidence": "evidence",
    "hypotheses": "hypothesis",
    "root_causes": "root cause",
    "actions": "action",
}
_SECTIONS = tuple(_NOUNS)


def _raw_ids(raw: Any, section: str) -> frozenset[str]:
    entries = raw.get(section) if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        return frozenset()
    ids = (e.get("id") for e in entries if isinstance(e, dict))
    return frozenset(str(i) for i in ids if isinstance(i, str | int) and not isinstance(i, bool))


@contextmanager
def resolving(raw: Any) -> Iterator[None]:
    """Check references and duplicate ids against ``raw`` while the block validates it."""
    known = _Known({section: _raw_ids(raw, section) for section in _SECTIONS})
    token = _KNOWN.set(known if isinstance(raw, dict) else None)
    try:
        yield
    finally:
        _KNOWN.reset(token)


def _claim(section: str) -> Callable[[str], str]:
    """A validator of an entry's ``id``: the second entry with the same id is an error."""

    def check(value: str) -> str:
        known = _KNOWN.get()
        if known is None:
            return value
        claimed = known.claimed.setdefault(section, set())
        if value in claimed:
            raise PydanticCustomError("duplicate_id", "duplicate id '{id}'", {"id": value})
        claimed.add(value)
        return value

    return check


def _refers_to(*sections: str) -> Callable[[str], str]:
    """A validator of a reference: the id must name an entry of one of ``sections``."""
    nouns = [_NOUNS[s] for s in sections]
    words = " or ".join([", ".join(nouns[:-1]), nouns[-1]] if len(nouns) > 1 else nouns)

    def check(value: str) -> str:
        known = _KNOWN.get()
        if known is None:
            return value
        candidates = set().union(*(known.ids[s] for s in sections))
        if value not in candidates:
            raise PydanticCustomError(
                "unknown_reference",
                "no {what} '{id}'{hint}",
                {"what": words, "id": value, "hint": suggest(value, candidates)},
            )
        return value

    return check


def _url(value: str) -> str:
    if not _URL.match(value):
        raise PydanticCustomError(
            "url",
            "'{value}' is not an http(s) link; put other places in `location`",
            {"value": value},
        )
    return value


Url = Annotated[
    str, AfterValidator(_url), WithJsonSchema({"type": "string", "pattern": URL_PATTERN})
]
EvidenceId = Annotated[Identifier, AfterValidator(_claim("evidence"))]
HypothesisId = Annotated[Identifier, AfterValidator(_claim("hypotheses"))]
EvidenceRef = Annotated[Identifier, AfterValidator(_refers_to("evidence"))]
RootCauseRef = Annotated[Identifier, AfterValidator(_refers_to("root_causes"))]
AnyRef = Annotated[Identifier, AfterValidator(_refers_to("hypotheses", "root_causes", "actions"))]


# --------------------------------------------------------------------------- sections


class Participant(Model):
    """Someone who took part in the review."""

    name: NonEmptyText = Field(description="Who (a user name or a team).")
    role: Role = Field(
        description="Their part in the review, one of a fixed list (use `other` when none fits)."
    )


class Evidence(Model):
    """A gathered artifact, mapped to the team responsible for it."""

    id: EvidenceId = Field(description="Unique among the evidence; cited by hypotheses and causes.")
    kind: EvidenceKind = Field(
        description="What it is: a log, dashboard, version record, model artifact, dataset, ..."
    )
    title: NonEmptyText = Field(description="What a reader sees, in a few words.")
    url: Url | None = Field(
        default=None,
        description="Where to see it: an http(s) link (dashboards, tickets, log queries).",
    )
    location: str | None = Field(
        default=None,
        description="Where it lives when it has no link: a registry URI, a bucket path, a run id.",
    )
    team: NonEmptyText = Field(description="The team responsible for the artifact.")
    note: str | None = Field(default=None, description="What it shows.")


class Hypothesis(Model):
    """A candidate explanation, tested against the evidence; contradicting evidence is kept."""

    id: HypothesisId = Field(description="Unique among the hypotheses.")
    statement: NonEmptyText = Field(description="The explanation, as a claim that can be tested.")
    status: HypothesisStatus = Field(
        default="open",
        description="open (not yet tested), confirmed, refuted or inconclusive.",
    )
    supporting: list[EvidenceRef] = Field(
        default_factory=list, description="Evidence ids that support it."
    )
    contradicting: list[EvidenceRef] = Field(
        default_factory=list, description="Evidence ids that contradict it (keep them)."
    )
    root_causes: list[RootCauseRef] = Field(
        default_factory=list, description="Root cause ids this hypothesis established."
    )
    note: str | None = Field(
        default=None, description="How it was tested, or why it was ruled out."
    )


class Dissent(Model):
    """A view someone in the review did not share, and the answer it got."""

    by: NonEmptyText = Field(description="Who holds the view.")
    view: NonEmptyText = Field(description="The view, in their words.")
    response: str | None = Field(default=None, description="How the review answered it.")
    about: AnyRef | None = Field(
        default=None, description="The hypothesis, root cause or action id it is about."
    )


class Review(Model):
    """A peer reviewer's audit of the postmortem."""

    name: NonEmptyText = Field(description="The reviewer.")
    at: date = Field(description="The day of the review.")
    verdict: ReviewVerdict = Field(description="approved, changes_requested or rejected.")
    note: str | None = Field(default=None, description="What the reviewer said.")


class ServiceLevel(Model):
    """A service-level indicator tied to the incident, and whether its objective was breached."""

    sli: NonEmptyText = Field(description="The indicator, e.g. approval_rate or p99 latency.")
    objective: NonEmptyText = Field(description='Its objective, e.g. ">= 0.62 daily".')
    breached: bool = Field(description="Whether the incident breached the objective.")
    observed: str | None = Field(default=None, description="What the indicator showed.")
    note: str | None = Field(default=None, description="Anything a reader needs to know about it.")


INVESTIGATION_SECTIONS = (
    "facilitator",
    "participants",
    "evidence",
    "hypotheses",
    "dissent",
    "assumptions",
    "reviewers",
    "slos",
)

"""SPEC §3: the postmortem, its timeline, root causes and actions, as frozen models."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ModelWrapValidatorHandler, model_validator
from pydantic_core import PydanticCustomError

from closeout.models.base import Day, DurationMs, Identifier, Model, NonEmptyText, Timestamp
from closeout.models.investigation import (
    Dissent,
    Evidence,
    EvidenceRef,
    Hypothesis,
    Participant,
    Review,
    ServiceLevel,
    resolving,
)


class Impact(Model):
    description: NonEmptyText = Field(
        description="What users or the business experienced, in plain words."
    )
    users_affected: int | None = Field(
        default=None, ge=0, description="How many users were affected (an estimate is fine)."
    )
    requests_affected: int | None = Field(
        default=None, ge=0, description="How many requests or predictions were affected."
    )
    duration: DurationMs | None = Field(
        default=None, description="How long users were affected, e.g. 17h30m."
    )
    business: dict[str, float | int | str] = Field(
        default_factory=dict,
        description="Business measures by name, e.g. {approval_rate_drop: 0.31}.",
    )


class Detection(Model):
    method: Literal["monitor", "eval", "user_report", "audit"] = Field(
        description="How the incident was noticed: monitor | eval | user_report | audit."
    )
    source: str | None = Field(
        default=None, description="Which monitor, evaluation, ticket or audit noticed it."
    )


class NamedVersion(Model):
    name: NonEmptyText = Field(description="The model, dataset or pipeline name.")
    version: str | None = Field(default=None, description='The version involved (quote it: "4.2").')
    uri: str | None = Field(
        default=None,
        description="Lineage: the registry or dataset URI (models:/name/4, s3://bucket/path, ...).",
    )


class Scope(Model):
    models: list[NamedVersion] = Field(
        default_factory=list, description="Models involved, with their versions."
    )
    datasets: list[NamedVersion] = Field(
        default_factory=list, description="Datasets involved, with their versions."
    )
    pipelines: list[str] = Field(
        default_factory=list, description="Pipelines or jobs involved, by name."
    )
    teams: list[str] = Field(default_factory=list, description="Teams whose systems were involved.")


class TimelineEntry(Model):
    at: Timestamp = Field(description="When it happened: ISO 8601 with an offset (Z or +02:00).")
    kind: Literal[
        "change",
        "impact",
        "detection",
        "escalation",
        "diagnosis",
        "mitigation",
        "resolution",
        "communication",
        "other",
    ] = Field(
        description="change | impact | detection | escalation | diagnosis | mitigation | "
        "resolution | communication | other."
    )
    text: NonEmptyText = Field(description="What happened, in one sentence.")


class RootCause(Model):
    id: Identifier = Field(description="The cause's id (RC1), unique here; actions name it.")
    category: Literal["technical", "data", "process"] = Field(
        description="technical (code, model, infrastructure) | data | process (people, reviews)."
    )
    description: NonEmptyText = Field(description="Why it happened.")
    confidence: Literal["known", "suspected"] = Field(
        default="known", description="known (established, cite evidence) | suspected."
    )
    level: Literal["immediate", "systemic"] | None = Field(
        default=None,
        description="immediate: the failure itself; systemic: why it could happen at all.",
    )
    evidence: list[EvidenceRef] = Field(
        default_factory=list, description="Ids of the evidence that establishes this cause."
    )


class Risk(Model):
    likelihood: Literal["low", "medium", "high"] = Field(
        description="How likely it is to happen again without the actions: low | medium | high."
    )
    impact: Literal["low", "medium", "high"] = Field(
        description="How bad it would be if it did: low | medium | high."
    )


class Waiver(Model):
    reason: NonEmptyText = Field(description="Why the action has no executable check.")
    approved_by: NonEmptyText = Field(description="Who approved closing it without one.")


class Action(Model):
    id: Identifier = Field(description="The action's id (A1), unique here; scenarios name it.")
    title: NonEmptyText = Field(description="What will be done, in one line.")
    type: Literal["detect", "prevent", "mitigate", "process"] = Field(
        description="detect (notice sooner) | prevent | mitigate (limit the harm) | process."
    )
    owner: NonEmptyText = Field(description="The one person or team accountable for it.")
    due: Day = Field(description="The date it is due, e.g. 2025-07-20; lint warns once past.")
    priority: Literal["P0", "P1", "P2", "P3"] | None = Field(
        default=None, description="P0 (most urgent) .. P3."
    )
    addresses: list[Identifier] = Field(
        min_length=1, description="The ids of the root causes it addresses, e.g. [RC1]."
    )
    success_criteria: NonEmptyText = Field(
        description="What proves it done; its scenarios check exactly this."
    )
    ticket: str | None = Field(
        default=None, description="The tracker ticket, e.g. RISK-311 (a link with ticket_url)."
    )
    waiver: Waiver | None = Field(
        default=None,
        description="Closes the action without a scenario: reason and approved_by "
        "(or run `closeout waive`).",
    )
    status: Literal["open", "not_doing"] = Field(
        default="open", description="open | not_doing (decided against; needs a rationale)."
    )
    rationale: str | None = Field(
        default=None, description="Why the action is not_doing, e.g. superseded by A1."
    )

    @model_validator(mode="after")
    def _not_doing_needs_rationale(self) -> Action:
        if self.status == "not_doing" and not (self.rationale and self.rationale.strip()):
            raise PydanticCustomError("rationale", "status: not_doing needs a rationale saying why")
        return self


class Lessons(Model):
    went_well: list[str] = Field(
        default_factory=list, description="What worked; one sentence per item."
    )
    went_wrong: list[str] = Field(
        default_factory=list, description="What did not; one sentence per item."
    )
    got_lucky: list[str] = Field(
        default_factory=list, description="What helped by chance; one sentence per item."
    )


class Communication(Model):
    audiences: list[str] = Field(
        default_factory=list, description="Who was told, e.g. [risk-ops, support]."
    )
    summary: str | None = Field(default=None, description="What they were told.")


class Related(Model):
    recurrence_of: Identifier | None = Field(
        default=None, description="The id of an earlier incident this one repeats."
    )
    incidents: list[Identifier] = Field(
        default_factory=list, description="Ids of other related incidents."
    )


class Postmortem(Model):
    """SPEC §3: ``scenarios/<INCIDENT>/postmortem.yaml``."""

    id: Identifier = Field(description="The incident id; equals the folder name (INC-2025-014).")
    title: NonEmptyText = Field(description="What users saw, in one line.")
    severity: Literal["SEV1", "SEV2", "SEV3", "SEV4"] = Field(description="SEV1 (worst) .. SEV4.")
    status: Literal["draft", "in_review", "published"] = Field(
        default="draft", description="draft | in_review | published."
    )
    summary: NonEmptyText = Field(
        description="Plain language, for readers outside ML: what happened, who was affected, "
        "for how long, and what changes."
    )
    impact: Impact = Field(description="What the incident cost: description, counts, business.")
    started_at: Timestamp = Field(
        description="When the impact began: ISO 8601 with an offset (Z or +02:00)."
    )
    detected_at: Timestamp = Field(description="When a human or an alert noticed it.")
    diagnosed_at: Timestamp | None = Field(default=None, description="When the cause was known.")
    mitigated_at: Timestamp | None = Field(default=None, description="When the harm stopped.")
    resolved_at: Timestamp | None = Field(default=None, description="When it was fully fixed.")
    detection: Detection | None = Field(default=None, description="How it was noticed.")
    trigger: str | None = Field(default=None, description="What changed just before it began.")
    scope: Scope | None = Field(
        default=None, description="Models, datasets, pipelines and teams involved."
    )
    timeline: list[TimelineEntry] = Field(
        default_factory=list, description="What happened when, in time order."
    )
    root_causes: list[RootCause] = Field(
        min_length=1, description="Why it happened: at least one cause, each with an id."
    )
    contributing_factors: list[str] = Field(
        default_factory=list, description="What made it worse or longer, without causing it."
    )
    risk: Risk | None = Field(default=None, description="How likely and how bad a repeat would be.")
    actions: list[Action] = Field(
        min_length=1,
        description="What will be done: each with an owner, a due date and success criteria; "
        "closed on evidence from its scenarios.",
    )
    lessons: Lessons | None = Field(
        default=None, description="What went well, what went wrong, where we got lucky."
    )
    communication: Communication | None = Field(default=None, description="Who was told what.")
    limitations: str | None = Field(
        default=None, description="What this analysis could not establish."
    )
    related: Related | None = Field(default=None, description="Earlier or related incidents.")
    tags: list[str] = Field(default_factory=list, description="Free labels for search.")
    # SPEC §14: the investigation (models/investigation.py); every section is optional.
    facilitator: NonEmptyText | None = Field(
        default=None, description="The neutral facilitator of the review."
    )
    participants: list[Participant] = Field(
        default_factory=list, description="Who took part in the review, and in which role."
    )
    evidence: list[Evidence] = Field(
        default_factory=list, description="Gathered artifacts, each mapped to its team."
    )
    hypotheses: list[Hypothesis] = Field(
        default_factory=list, description="Explanations tested, contradicting evidence kept."
    )
    dissent: list[Dissent] = Field(default_factory=list, description="Views not shared.")
    assumptions: list[str] = Field(default_factory=list, description="Assumptions made.")
    reviewers: list[Review] = Field(default_factory=list, description="The peer audit.")
    slos: list[ServiceLevel] = Field(
        default_factory=list, description="Service levels the incident is tied to."
    )

    @model_validator(mode="wrap")
    @classmethod
    def _resolve_references(cls, data: Any, handler: ModelWrapValidatorHandler[Postmortem]) -> Any:
        # References between sections are checked against the ids of this very file.
        with resolving(data):
            return handler(data)

    def action(self, action_id: str) -> Action | None:
        return next((a for a in self.actions if a.id == action_id), None)

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
    description: NonEmptyText
    users_affected: int | None = Field(default=None, ge=0)
    requests_affected: int | None = Field(default=None, ge=0)
    duration: DurationMs | None = None
    business: dict[str, float | int | str] = Field(default_factory=dict)


class Detection(Model):
    method: Literal["monitor", "eval", "user_report", "audit"]
    source: str | None = None


class NamedVersion(Model):
    name: NonEmptyText
    version: str | None = None
    uri: str | None = Field(
        default=None,
        description="Lineage: the registry or dataset URI (models:/name/4, s3://bucket/path, ...).",
    )


class Scope(Model):
    models: list[NamedVersion] = Field(default_factory=list)
    datasets: list[NamedVersion] = Field(default_factory=list)
    pipelines: list[str] = Field(default_factory=list)
    teams: list[str] = Field(default_factory=list)


class TimelineEntry(Model):
    at: Timestamp
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
    ]
    text: NonEmptyText


class RootCause(Model):
    id: Identifier
    category: Literal["technical", "data", "process"]
    description: NonEmptyText
    confidence: Literal["known", "suspected"] = "known"
    level: Literal["immediate", "systemic"] | None = Field(
        default=None,
        description="immediate: the failure itself; systemic: why it could happen at all.",
    )
    evidence: list[EvidenceRef] = Field(
        default_factory=list, description="Ids of the evidence that establishes this cause."
    )


class Risk(Model):
    likelihood: Literal["low", "medium", "high"]
    impact: Literal["low", "medium", "high"]


class Waiver(Model):
    reason: NonEmptyText
    approved_by: NonEmptyText


class Action(Model):
    id: Identifier
    title: NonEmptyText
    type: Literal["detect", "prevent", "mitigate", "process"]
    owner: NonEmptyText
    due: Day
    priority: Literal["P0", "P1", "P2", "P3"] | None = None
    addresses: list[Identifier] = Field(min_length=1)
    success_criteria: NonEmptyText
    ticket: str | None = None
    waiver: Waiver | None = None
    status: Literal["open", "not_doing"] = "open"
    rationale: str | None = None

    @model_validator(mode="after")
    def _not_doing_needs_rationale(self) -> Action:
        if self.status == "not_doing" and not (self.rationale and self.rationale.strip()):
            raise PydanticCustomError("rationale", "status: not_doing needs a rationale saying why")
        return self


class Lessons(Model):
    went_well: list[str] = Field(default_factory=list)
    went_wrong: list[str] = Field(default_factory=list)
    got_lucky: list[str] = Field(default_factory=list)


class Communication(Model):
    audiences: list[str] = Field(default_factory=list)
    summary: str | None = None


class Related(Model):
    recurrence_of: Identifier | None = None
    incidents: list[Identifier] = Field(default_factory=list)


class Postmortem(Model):
    """SPEC §3: ``scenarios/<INCIDENT>/postmortem.yaml``."""

    id: Identifier
    title: NonEmptyText
    severity: Literal["SEV1", "SEV2", "SEV3", "SEV4"]
    status: Literal["draft", "in_review", "published"] = "draft"
    summary: NonEmptyText
    impact: Impact
    started_at: Timestamp
    detected_at: Timestamp
    diagnosed_at: Timestamp | None = None
    mitigated_at: Timestamp | None = None
    resolved_at: Timestamp | None = None
    detection: Detection | None = None
    trigger: str | None = None
    scope: Scope | None = None
    timeline: list[TimelineEntry] = Field(default_factory=list)
    root_causes: list[RootCause] = Field(min_length=1)
    contributing_factors: list[str] = Field(default_factory=list)
    risk: Risk | None = None
    actions: list[Action] = Field(min_length=1)
    lessons: Lessons | None = None
    communication: Communication | None = None
    limitations: str | None = None
    related: Related | None = None
    tags: list[str] = Field(default_factory=list)
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

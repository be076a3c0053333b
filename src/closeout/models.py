"""Frozen, typed models: the postmortem, the scenario envelope, outcomes and run results.

Every model forbids unknown keys and reports them with a "did you mean" suggestion. Kind-
specific scenario fields live in ``closeout.kinds.<kind>``, on subclasses of ``ScenarioBase``.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from closeout._time import parse_aware, parse_duration_ms

IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
IDENTIFIER = re.compile(IDENTIFIER_PATTERN)
_TAG = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
DURATION_PATTERN = r"^(?:\d+(?:ms|s|m|h|d|w))+$"


def suggest(word: str, candidates: list[str] | set[str] | tuple[str, ...]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, or an empty string."""
    by_lower = {c.lower(): c for c in sorted(candidates)}
    close = difflib.get_close_matches(str(word).lower(), list(by_lower), n=1, cutoff=0.6)
    return f" (did you mean '{by_lower[close[0]]}'?)" if close else ""


def _identifier(value: object) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise PydanticCustomError("identifier", "expected an identifier string")
    text = str(value)
    if not IDENTIFIER.match(text):
        raise PydanticCustomError(
            "identifier",
            "'{value}' is not a valid identifier: use letters, digits, '.', '_' or '-', "
            "starting with a letter or digit, at most 64 characters",
            {"value": text},
        )
    return text


def _tag(value: object) -> str:
    if not isinstance(value, str) or not _TAG.match(value):
        raise PydanticCustomError(
            "tag",
            "tag '{value}' must be a Python-style name (letters, digits, '_'): it becomes a "
            "pytest marker",
            {"value": str(value)},
        )
    return value


def _timestamp(value: object) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise PydanticCustomError("naive_timestamp", "timestamp has no offset: add Z or +02:00")
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("timestamp", "expected an ISO 8601 timestamp with an offset")
    try:
        return parse_aware(value)
    except ValueError as exc:
        raise PydanticCustomError("timestamp", str(exc)) from None


def _duration(value: object) -> int:
    if not isinstance(value, str):
        raise PydanticCustomError(
            "duration",
            "expected a duration string like 90s, 15m, 2h or 1h30m, got {value!r}",
            {"value": value},
        )
    try:
        return parse_duration_ms(value)
    except ValueError as exc:
        raise PydanticCustomError("duration", str(exc)) from None


Identifier = Annotated[
    str,
    BeforeValidator(_identifier),
    WithJsonSchema({"type": "string", "pattern": IDENTIFIER_PATTERN}),
]
Tag = Annotated[str, BeforeValidator(_tag), WithJsonSchema({"type": "string"})]
Timestamp = Annotated[
    datetime,
    BeforeValidator(_timestamp),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
DurationMs = Annotated[
    int,
    BeforeValidator(_duration),
    WithJsonSchema({"type": "string", "pattern": DURATION_PATTERN, "examples": ["15m", "1h30m"]}),
]
NonEmptyText = Annotated[str, Field(min_length=1)]


class Model(BaseModel):
    """Base: frozen, no unknown keys (reported with a suggestion), no coercion of str<->number."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            allowed = {f.alias or name for name, f in cls.model_fields.items()}
            for key in data:
                if key not in allowed:
                    raise PydanticCustomError(
                        "unknown_key",
                        "unknown key '{key}'{hint}",
                        {"key": str(key), "hint": suggest(str(key), allowed)},
                    )
        return data


# --------------------------------------------------------------------------- postmortem


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
    due: date
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

    def action(self, action_id: str) -> Action | None:
        return next((a for a in self.actions if a.id == action_id), None)


# --------------------------------------------------------------------------- scenarios


class ScenarioBase(Model):
    """SPEC §4: the fields common to every scenario kind.

    Subclasses set ``kind`` to a ``Literal`` and ``subject_key`` to the name of the one field
    that ``before`` may override, and type ``before`` as a model holding only that field.
    """

    subject_key: ClassVar[str] = ""

    action: Identifier
    kind: str
    name: Identifier | None = None
    description: str | None = None
    tags: list[Tag] = Field(default_factory=list)
    seed: int | None = Field(default=None, ge=0, le=2**63 - 1)
    before: Any = None
    before_unavailable: NonEmptyText | None = None

    @field_validator("before", mode="before")
    @classmethod
    def _before_holds_only_the_subject(cls, value: Any) -> Any:
        if isinstance(value, dict):
            for key in value:
                if key != cls.subject_key:
                    raise PydanticCustomError(
                        "unknown_key",
                        "'{key}' cannot be overridden: before may hold only the subject "
                        "'{subject}'{hint}",
                        {
                            "key": str(key),
                            "subject": cls.subject_key,
                            "hint": suggest(str(key), [cls.subject_key]),
                        },
                    )
        return value

    @model_validator(mode="after")
    def _before_or_unavailable(self) -> ScenarioBase:
        if self.before is not None and self.before_unavailable is not None:
            raise PydanticCustomError(
                "before_conflict",
                "give either before or before_unavailable, not both",
                {"key": "before_unavailable"},
            )
        return self

    def scenario_name(self, file_stem: str) -> str:
        return self.name or file_stem

    def effective_seed(self, file_stem: str) -> int:
        """The seed, or a stable hash of the scenario name (same on every machine)."""
        if self.seed is not None:
            return self.seed
        digest = hashlib.sha256(self.scenario_name(file_stem).encode()).digest()
        return int.from_bytes(digest[:4], "big")


# --------------------------------------------------------------------------- results

OutcomeName = Literal["pass", "fail", "inconclusive"]
VerdictName = Literal["pass", "fail", "inconclusive", "error"]


class Outcome(Model):
    """The result of one expectation: observed against target."""

    name: str
    outcome: OutcomeName
    observed: str
    target: str
    detail: str = ""


def combine(outcomes: list[Outcome]) -> VerdictName:
    """SPEC §4: fail if any fails, else inconclusive if any is, else pass."""
    names = {o.outcome for o in outcomes}
    if "fail" in names:
        return "fail"
    if "inconclusive" in names:
        return "inconclusive"
    return "pass"

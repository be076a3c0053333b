"""SPEC §4: the scenario envelope every kind extends, and the outcome of an expectation."""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from closeout.models.base import DurationMs, Identifier, Model, NonEmptyText, Tag, suggest


class ScenarioBase(Model):
    """SPEC §4: the fields common to every scenario kind.

    Subclasses set ``kind`` to a ``Literal`` and ``subject_key`` to the name of the one field
    that ``before`` may override, and type ``before`` as a model holding only that field.
    """

    subject_key: ClassVar[str] = ""

    action: Identifier = Field(
        description="The id of the postmortem action this scenario proves (A1)."
    )
    kind: str = Field(description="The kind of scenario; it decides which other keys apply.")
    name: Identifier | None = Field(
        default=None,
        description="The scenario's name in evidence, state and pytest ids; default: the file "
        "name without .yaml. Unique within the incident.",
    )
    description: str | None = Field(
        default=None, description="What the scenario shows, in one sentence, for reports."
    )
    tags: list[Tag] = Field(
        default_factory=list,
        description="Labels that become pytest markers: `pytest -m regression`.",
    )
    seed: int | None = Field(
        default=None,
        ge=0,
        le=2**63 - 1,
        description="The random seed; default: a stable hash of the scenario name, the same on "
        "every machine.",
    )
    before: Any = Field(
        default=None,
        description="The pre-fix state (what ran during the incident), under the same key as "
        "the subject: real proof passes with the fix and fails before it.",
    )
    before_unavailable: NonEmptyText | None = Field(
        default=None,
        description="Why the pre-fix state cannot be replayed (instead of `before`); the "
        "scenario then proves the fix only.",
    )
    timeout: DurationMs | None = Field(
        default=None,
        description="How long the scenario (both its runs) may take before it is stopped and "
        "recorded as an error, e.g. 30m; default 10m.",
    )

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

    @field_validator("timeout")
    @classmethod
    def _timeout_is_positive(cls, value: int | None) -> int | None:
        if value is not None and value <= 0:
            raise PydanticCustomError("timeout", "must be longer than 0s, e.g. 10m")
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

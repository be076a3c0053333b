"""Evidence records (SPEC §5, §15) as frozen models: the envelope, run, closure, waiver,
recurrence, checkpoint and reseal.

A model holds exactly the keys a record file holds. Reading keeps every key, known or not
(a later schema may add some), and dumping gives back the same keys with the same values:
a field that was ``null`` stays ``null`` and a field that was absent stays absent, so a
record read and dumped again has the same canonical bytes. Validation is strict (no
coercion of ``"1"`` to ``1`` or of ``2`` to ``2.0``), which is what keeps those bytes equal.

Writers build a record by validating a plain dict (see ``closeout.evidence``); readers call
``parse_record``, which names the first field that does not fit instead of raising a
``ValidationError``. ``RecordSummary`` is the small part of a record that state derivation
needs; the trust index caches it beside the records.

Schema 2 (SPEC §15) adds ``prev`` to every record (the sha256 of its incident's heads when
it was written), public-key signatures (``Signature``), and two record types that name
others: ``checkpoint`` (its ``prev`` is the heads it saw) and ``reseal`` (``attests``: the
sha256 of records it vouches for, so an archive can adopt signing without losing history).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from closeout._time import parse_aware
from closeout.models.scenario import OutcomeName, VerdictName

SCHEMA_VERSION = 2
TriggerName = Literal["manual", "ci", "gate", "scheduled"]
Number = int | float  # a union, so 2 stays 2 and 2.0 stays 2.0


class RecordPart(BaseModel):
    """Base of every record model: frozen, strict, and keeping keys it does not know."""

    model_config = ConfigDict(frozen=True, strict=True, extra="allow", populate_by_name=True)

    def body(self) -> dict[str, Any]:
        """The record as the JSON object it was read from or will be written as."""
        return self.model_dump(by_alias=True, exclude_unset=True)


class Expectation(RecordPart):
    """One expectation's outcome, as ``closeout.models.Outcome`` dumps it."""

    name: str
    outcome: OutcomeName
    observed: str
    target: str
    detail: str = ""


class ScenarioInput(RecordPart):
    path: str | None = None
    sha256: str | None = None


class Inputs(RecordPart):
    """The sha256 of every file a run read: the scenario, its data files and its code; and
    ``resolved``, what the run resolved outside the project (``KindResult.inputs``: e.g. an
    MLflow model's version, run id and folder sha256), absent when it resolved nothing."""

    scenario: ScenarioInput = Field(default_factory=ScenarioInput)
    files: dict[str, str] = Field(default_factory=dict)
    code: dict[str, str] = Field(default_factory=dict)
    resolved: dict[str, Any] = Field(default_factory=dict)

    def recorded(self) -> dict[str, str]:
        """Every recorded path with its sha256 (``""`` for a scenario without one)."""
        found: dict[str, str] = {}
        if self.scenario.path:
            found[self.scenario.path] = self.scenario.sha256 or ""
        return found | self.files | self.code


class Environment(RecordPart):
    python: str | None = None
    platform: str | None = None
    packages: dict[str, str | None] = Field(default_factory=dict)


class GitState(RecordPart):
    commit: str | None = None
    dirty: bool | None = None


class Signature(RecordPart):
    """An Ed25519 signature (SPEC §15); an HMAC signature (Part I) is a hex string."""

    alg: str
    key_id: str
    value: str


class Record(RecordPart):
    """The envelope every record type shares; a record of an unknown type is read as this."""

    schema_version: int = Field(default=SCHEMA_VERSION, alias="schema")
    type: str
    id: str = ""
    incident: str = ""
    action: str = ""
    started_at: str = Field(default="", validate_default=True)
    started_at_us: int | None = None  # orders records written within the same second
    environment: Environment | None = None
    git: GitState | None = None
    prev: list[str] | None = None  # schema 2: the sha256 of the incident's heads
    sha256: str | None = None
    signature: str | Signature | None = None

    @field_validator("started_at")
    @classmethod
    def _a_time(cls, value: str) -> str:
        # The time orders records and decides freshness: a record without one is malformed.
        try:
            parse_aware(value)
        except ValueError:
            raise ValueError(f"not an ISO 8601 time with an offset: {value!r}") from None
        return value

    def summary(self, file: str) -> RecordSummary:
        """What state derivation needs of this record, which is stored as ``file``."""
        return RecordSummary(
            file=file,
            type=self.type,
            incident=self.incident,
            action=self.action,
            started_at=self.started_at,
            started_at_us=self.started_at_us or 0,
            sha256=self.sha256 or "",
            signed=bool(self.signature),
            schema=self.schema_version,
            prev=tuple(self.prev or ()),
            **self._summary_details(),
        )

    def _summary_details(self) -> dict[str, Any]:
        return {}


class RunRecord(Record):
    """A scenario run (or a Python test attached to an action: ``kind`` is ``pytest``)."""

    type: Literal["run"] = "run"
    scenario: str | None = None
    kind: str | None = None
    trigger: TriggerName | None = None
    duration_s: Number | None = None
    verdict: VerdictName | None = None
    before_verdict: VerdictName | None = None
    discriminating: bool | None = None
    vacuous: bool | None = None
    expectations: list[Expectation] = Field(default_factory=list)
    before_expectations: list[Expectation] | None = None
    metrics: dict[str, Any] = Field(default_factory=dict)
    before_metrics: dict[str, Any] | None = None
    inputs: Inputs = Field(default_factory=Inputs)
    seed: int | str | None = None  # a string beyond ±(2**53 - 1) (RFC 8785)
    artifacts: list[str] = Field(default_factory=list)
    error: str | None = None
    traceback: str | None = None

    def _summary_details(self) -> dict[str, Any]:
        return {
            "scenario": self.test_name(),
            "kind": self.kind,
            "verdict": self.verdict,
            "before_verdict": self.before_verdict,
            "discriminating": self.discriminating,
            "trigger": self.trigger,
            "inputs": self.inputs.recorded(),
            "resolved": self.inputs.resolved,
        }

    def test_name(self) -> str | None:
        """The scenario, or for a Python test its pytest node id: records written before node
        ids were used name the test by a file-safe label (``tests_test_x.py__test_y``) and
        keep the node id as their expectation's name, so old and new runs of one test are
        one series to state."""
        if self.kind == "pytest" and self.scenario and "::" not in self.scenario:
            named = self.expectations[0].name if self.expectations else ""
            if "::" in named:
                return named
        return self.scenario


class ClosureRecord(Record):
    """An action closed on evidence: ``runs`` holds the sha256 of every run it rests on."""

    type: Literal["closure"] = "closure"
    by: str | None = None
    note: str | None = None
    runs: list[str] = Field(default_factory=list)

    def _summary_details(self) -> dict[str, Any]:
        return {"by": self.by, "runs": tuple(self.runs)}


class WaiverRecord(Record):
    """An action waived: not closed on evidence, by a named person, for a reason."""

    type: Literal["waiver"] = "waiver"
    by: str | None = None
    reason: str | None = None
    forced: bool | None = None
    scenarios: list[str] = Field(default_factory=list)

    def _summary_details(self) -> dict[str, Any]:
        return {"by": self.by}


class RecurrenceRecord(Record):
    """A closed action's scenario failed again: ``run`` is the failing run's sha256."""

    type: Literal["recurrence"] = "recurrence"
    run: str | None = None
    scenario: str | None = None
    verdict: VerdictName | None = None

    def _summary_details(self) -> dict[str, Any]:
        return {"run": self.run, "scenario": self.scenario, "verdict": self.verdict}


class CheckpointRecord(Record):
    """The heads of an incident at a moment (its ``prev``), so deleting any record they
    name, or any record those name, is reported by ``verify``."""

    type: Literal["checkpoint"] = "checkpoint"
    records: int | None = None  # how many records the writer saw

    def _summary_details(self) -> dict[str, Any]:
        return {}


class ResealRecord(Record):
    """A signed attestation of older records (``attests``: their sha256), written when an
    archive adopts signing: those records then count where signing is required."""

    type: Literal["reseal"] = "reseal"
    by: str | None = None
    note: str | None = None
    attests: list[str] = Field(default_factory=list)

    def _summary_details(self) -> dict[str, Any]:
        return {"by": self.by, "attests": tuple(self.attests)}


RECORD_TYPES: dict[str, type[Record]] = {
    "run": RunRecord,
    "closure": ClosureRecord,
    "waiver": WaiverRecord,
    "recurrence": RecurrenceRecord,
    "checkpoint": CheckpointRecord,
    "reseal": ResealRecord,
}


class MalformedRecordError(ValueError):
    """A record (sealed or not) whose content does not fit its type's model."""


def parse_record(raw: object) -> Record:
    """The model of a parsed record file; MalformedRecordError names what does not fit."""
    if not isinstance(raw, dict):
        raise MalformedRecordError("not a record (not a JSON object)")
    record_type = raw.get("type")
    model = RECORD_TYPES.get(record_type, Record) if isinstance(record_type, str) else Record
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        label = f"{record_type} record" if model is not Record else "record"
        raise MalformedRecordError(f"malformed {label}: {_first_error(exc)}") from None


def _first_error(exc: ValidationError) -> str:
    error = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}" if where else str(error["msg"])


@dataclass(frozen=True, slots=True)
class RecordSummary:
    """What state derivation needs of one record (the full record stays on disk).

    A plain dataclass: thousands are rebuilt from the trust index on every ``status``.
    """

    file: str
    type: str
    incident: str
    action: str
    started_at: str
    sha256: str
    signed: bool
    started_at_us: int = 0
    scenario: str | None = None
    kind: str | None = None
    verdict: VerdictName | None = None
    before_verdict: VerdictName | None = None
    discriminating: bool | None = None
    trigger: TriggerName | None = None
    inputs: dict[str, str] = field(default_factory=dict)  # run: path -> sha256 it read
    runs: tuple[str, ...] = ()  # closure: sha256 of the runs it rests on
    run: str | None = None  # recurrence: sha256 of the failing run
    by: str | None = None
    readable: bool = True
    schema: int = 1
    prev: tuple[str, ...] = ()  # schema 2: the heads its writer saw
    attests: tuple[str, ...] = ()  # reseal: the records it vouches for
    # run: what it resolved outside the project (``Inputs.resolved``). Last, so a summary
    # the trust index cached before it existed still loads (as resolving nothing).
    resolved: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def unreadable(cls, file: str) -> RecordSummary:
        """The summary of a file that is not a record closeout can use."""
        return cls(
            file=file,
            type="",
            incident="",
            action="",
            started_at="",
            sha256="",
            signed=False,
            readable=False,
        )

    @property
    def order(self) -> tuple[str, int, str]:
        """Sort key: time (to the microsecond when the record has it), then file name."""
        return (self.started_at, self.started_at_us, self.file)

    def to_json(self) -> dict[str, Any]:
        """The summary as a JSON object."""
        return asdict(self)

    def as_tuple(self) -> tuple[Any, ...]:
        """The field values in order (the trust index stores them so)."""
        return tuple(getattr(self, name) for name in _SUMMARY_FIELDS)

    @classmethod
    def from_tuple(cls, values: tuple[Any, ...]) -> RecordSummary:
        """A summary ``as_tuple`` gave (the index is authenticated: it is not re-checked)."""
        return cls(*values)


_SUMMARY_FIELDS = tuple(f.name for f in fields(RecordSummary))

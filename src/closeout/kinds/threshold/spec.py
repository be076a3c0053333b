"""The YAML model of a ``threshold`` scenario (SPEC §4.3, §11): series, rules, expectations.

Semantics follow Prometheus alerting rules and ``promtool test rules``. Series notation and
inline rule expressions are parsed by closeout's engine, ``promql``, while the file is
validated. The subject is ``rules`` (inline, in closeout's subset) or ``rules_file`` (a
Prometheus rule file, as it is or at a git revision); exactly one of them, and ``before``
may hold either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Discriminator,
    Field,
    Tag,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from closeout._time import parse_aware, parse_duration_ms, to_ms
from closeout.kinds.threshold import promql
from closeout.kinds.threshold.source import REVISION
from closeout.models import DurationMs, Model, ScenarioBase, Timestamp, suggest

_ALERT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DEFAULT_LOOKBACK_MS = 5 * 60_000
SUBJECT_KEYS = ("rules", "rules_file")
EngineName = Literal["auto", "closeout", "promtool"]


def _notation(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise PydanticCustomError(
            "notation",
            "expected expanding notation like '0.05x11 0.25x7' or {file, timestamp, column}",
        )
    try:
        promql.parse_series(value, 0, 1)
    except promql.NotationError as exc:
        raise PydanticCustomError("notation", "{msg}", {"msg": str(exc)}) from None
    return value


def _expression(value: object) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError("expr", "expected an expression like 'psi_income > 0.2'")
    try:
        promql.parse_expr(value)
    except promql.NotationError as exc:
        raise PydanticCustomError("expr", "{msg}", {"msg": str(exc)}) from None
    return value


def _alert_name(value: object) -> str:
    if not isinstance(value, str) or not _ALERT_NAME.match(value):
        raise PydanticCustomError(
            "alert_name",
            "alert name {value} must be letters, digits and '_' (a Prometheus name)",
            {"value": repr(value)},
        )
    return value


@dataclass(frozen=True)
class TimeRef:
    """An ``at`` time: an offset from ``start`` (``90m``) or an absolute timestamp."""

    offset_ms: int | None = None
    absolute_ms: int | None = None

    def resolve(self, start_ms: int) -> int:
        """The time in epoch ms, given the grid's start."""
        return (
            start_ms + self.offset_ms if self.offset_ms is not None else int(self.absolute_ms or 0)
        )


def _time_ref(value: object) -> TimeRef:
    if isinstance(value, TimeRef):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError(
            "time_ref", "expected a duration from start (90m) or a timestamp with an offset"
        )
    try:
        return TimeRef(offset_ms=parse_duration_ms(value))
    except ValueError:
        pass
    try:
        return TimeRef(absolute_ms=to_ms(parse_aware(value)))
    except ValueError as exc:
        raise PydanticCustomError(
            "time_ref",
            "'{value}' is neither a duration (90m) nor a timestamp: {msg}",
            {"value": value, "msg": str(exc)},
        ) from None


Notation = Annotated[str, BeforeValidator(_notation), WithJsonSchema({"type": "string"})]
Expression = Annotated[str, BeforeValidator(_expression), WithJsonSchema({"type": "string"})]
AlertName = Annotated[str, BeforeValidator(_alert_name), WithJsonSchema({"type": "string"})]
When = Annotated[TimeRef, BeforeValidator(_time_ref), WithJsonSchema({"type": "string"})]


class FileSeries(Model):
    """A series read from a column of a CSV/Parquet file inside the project."""

    file: str = Field(min_length=1)
    timestamp: str = Field(min_length=1)
    column: str | None = Field(
        default=None,
        min_length=1,
        description="the column holding the values; default: the series name (as "
        "`closeout capture prometheus` names its columns)",
    )

    def column_for(self, series: str) -> str:
        """The column to read for the series named ``series``."""
        return self.column or series


class Rule(Model):
    """A Prometheus alerting rule; its labels do not change when it fires."""

    alert: AlertName
    expr: Expression
    for_: DurationMs = Field(default=0, alias="for")
    keep_firing_for: DurationMs = 0
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)


def _revision(value: object) -> str:
    if not isinstance(value, str) or not REVISION.match(value):
        raise PydanticCustomError(
            "revision",
            "'{value}' is not a git revision (a tag, branch or commit like v1.4.0 or HEAD~1)",
            {"value": value},
        )
    return value


Revision = Annotated[str, BeforeValidator(_revision), WithJsonSchema({"type": "string"})]


class RulesFile(Model):
    """A Prometheus rule file at a git revision (``git show REV:PATH``)."""

    path: str = Field(min_length=1, description="project-relative path of the rule file")
    rev: Revision | None = Field(
        default=None, description="a git revision of the repository holding the file"
    )
    setup: str | None = Field(
        default=None,
        min_length=1,
        description="the command that creates the file or revision when it is missing",
    )


def _rules_file_ref(value: object) -> object:
    """A plain path is ``{path: ...}``."""
    return {"path": value} if isinstance(value, str) else value


_RULES_FILE_SCHEMA: dict[str, Any] = {
    "description": "a Prometheus rule file: a path, or {path, rev} read with git show",
    "anyOf": [
        {"type": "string", "minLength": 1},
        {
            "type": "object",
            "properties": {
                "path": {"type": "string", "minLength": 1},
                "rev": {"type": "string"},
                "setup": {"type": "string"},
            },
            "required": ["path"],
            "additionalProperties": False,
        },
    ],
}

RulesFileRef = Annotated[
    RulesFile, BeforeValidator(_rules_file_ref), WithJsonSchema(_RULES_FILE_SCHEMA)
]


def rules_file_of(value: RulesFile | str) -> RulesFile:
    """A ``rules_file`` value as a ``RulesFile`` (a plain path has no revision)."""
    return RulesFile(path=value) if isinstance(value, str) else value


class _Expectation(Model):
    alert: AlertName
    labels: dict[str, str] | None = Field(
        default=None,
        description="the alert instance's full label set (alertname excluded); "
        "without it, any instance of the alert",
    )


class ExpectAt(_Expectation):
    """The alert is (or is not) firing at a time."""

    at: When
    firing: bool


class ExpectFirstFires(_Expectation):
    """The alert first fires at the evaluation step that holds this time."""

    first_fires_at: When


class ExpectNeverFires(_Expectation):
    """The alert never fires over the whole grid."""

    never_fires: Literal[True]


def _expectation_form(value: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    for key in ("at", "first_fires_at", "never_fires"):
        if key in value:
            return f"form:{key}"
    return None


Expectation = Annotated[
    Annotated[ExpectAt, Tag("form:at")]
    | Annotated[ExpectFirstFires, Tag("form:first_fires_at")]
    | Annotated[ExpectNeverFires, Tag("form:never_fires")],
    Discriminator(
        _expectation_form,
        custom_error_type="expectation_form",
        custom_error_message=(
            "each expectation is {alert, at, firing}, {alert, first_fires_at} or "
            "{alert, never_fires: true}"
        ),
    ),
]


SeriesSpec = Annotated[
    Annotated[Notation, Tag("form:notation")] | Annotated[FileSeries, Tag("form:file")],
    Discriminator(lambda value: "form:file" if isinstance(value, dict) else "form:notation"),
]


def _subject_problem(rules: object, rules_file: object) -> None:
    if rules is None and rules_file is None:
        raise PydanticCustomError(
            "subject", "give the rules under test: `rules` (inline) or `rules_file`", {}
        )
    if rules is not None and rules_file is not None:
        raise PydanticCustomError(
            "subject_conflict",
            "give either rules or rules_file, not both",
            {"key": "rules_file"},
        )


class ThresholdBefore(Model):
    """The rules deployed during the incident (the pre-fix subject): inline or a rule file."""

    rules: list[Rule] | None = Field(default=None, min_length=1)
    rules_file: RulesFileRef | None = None

    @model_validator(mode="after")
    def _one_subject(self) -> ThresholdBefore:
        _subject_problem(self.rules, self.rules_file)
        return self


class ThresholdScenario(ScenarioBase):
    """A ``threshold`` scenario: series, alerting rules (the subject) and expectations."""

    subject_key = "rules"

    kind: Literal["threshold"]
    interval: DurationMs
    start: Timestamp | None = None
    lookback: DurationMs = DEFAULT_LOOKBACK_MS
    series: dict[str, SeriesSpec] = Field(min_length=1)
    rules: list[Rule] | None = Field(default=None, min_length=1)
    rules_file: RulesFileRef | None = None
    alerts: list[AlertName] | None = Field(
        default=None, min_length=1, description="alerts under test; default: every alert"
    )
    engine: EngineName = Field(
        default="auto",
        description="auto: closeout's engine when every expression is in its subset, else promtool",
    )
    expect: list[Expectation] = Field(min_length=1)
    before: ThresholdBefore | None = None

    @field_validator("before", mode="before")
    @classmethod
    def _before_holds_only_the_subject(cls, value: Any) -> Any:
        """``before`` may hold ``rules`` or ``rules_file`` (both name the subject)."""
        if isinstance(value, dict):
            for key in value:
                if key not in SUBJECT_KEYS:
                    raise PydanticCustomError(
                        "unknown_key",
                        "'{key}' cannot be overridden: before may hold only the subject "
                        "'rules' or 'rules_file'{hint}",
                        {"key": str(key), "hint": suggest(str(key), list(SUBJECT_KEYS))},
                    )
        return value

    @model_validator(mode="after")
    def _one_subject(self) -> ThresholdScenario:
        _subject_problem(self.rules, self.rules_file)
        return self


def expectation_time(expectation: Expectation) -> TimeRef | None:
    """The time an expectation names (``at`` or ``first_fires_at``), if any."""
    if isinstance(expectation, ExpectAt):
        return expectation.at
    if isinstance(expectation, ExpectFirstFires):
        return expectation.first_fires_at
    return None

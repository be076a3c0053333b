"""The YAML model of a ``threshold`` scenario (SPEC §4.3, §11): series, rules, expectations.

Semantics follow Prometheus alerting rules and ``promtool test rules``. Series notation and
inline rule expressions are parsed by closeout's engine, ``promql``, while the file is
validated (those scalar value types are ``values``'s). The subject is ``rules`` (inline, in
closeout's subset) or ``rules_file`` (a Prometheus rule file, as it is or at a git
revision); exactly one of them, and ``before`` may hold either.
"""

from __future__ import annotations

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

from closeout.kinds.threshold.values import AlertName, Expression, Notation, Revision, TimeRef, When
from closeout.models import DurationMs, Model, ScenarioBase, Timestamp, suggest

DEFAULT_LOOKBACK_MS = 5 * 60_000
SUBJECT_KEYS = ("rules", "rules_file")
EngineName = Literal["auto", "closeout", "promtool"]


class FileSeries(Model):
    """A series read from a column of a CSV/Parquet file inside the project."""

    file: str = Field(
        min_length=1, description="The CSV or Parquet file, relative to the project root."
    )
    timestamp: str = Field(
        min_length=1, description="Its column of sample times (ISO 8601; naive times are UTC)."
    )
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

    alert: AlertName = Field(description="The alert's name (letters, digits and '_').")
    expr: Expression = Field(
        description="When it is active: <series> <op> <number>, joined by and / or "
        "(e.g. error_rate > 0.05); any PromQL needs rules_file."
    )
    for_: DurationMs = Field(
        default=0,
        alias="for",
        description="How long expr must hold before the alert fires (pending until then).",
    )
    keep_firing_for: DurationMs = Field(
        default=0, description="How long it keeps firing after expr stops holding."
    )
    labels: dict[str, str] = Field(
        default_factory=dict, description="Labels the alert adds (as in the rule file)."
    )
    annotations: dict[str, str] = Field(
        default_factory=dict, description="Annotations (summary, runbook); not evaluated."
    )


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
                "path": {
                    "type": "string",
                    "minLength": 1,
                    "description": "project-relative path of the rule file",
                },
                "rev": {
                    "type": "string",
                    "description": "a git revision (tag, branch, commit) to read it at",
                },
                "setup": {
                    "type": "string",
                    "description": "the command that creates the file or revision when missing",
                },
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
    alert: AlertName = Field(description="The alert the expectation is about.")
    labels: dict[str, str] | None = Field(
        default=None,
        description="the alert instance's full label set (alertname excluded); "
        "without it, any instance of the alert",
    )


class ExpectAt(_Expectation):
    """The alert is (or is not) firing at a time."""

    at: When = Field(description="A duration from start (55m) or a timestamp with an offset.")
    firing: bool = Field(description="Whether the alert is firing then (pending is not).")


class ExpectFirstFires(_Expectation):
    """The alert first fires at the evaluation step that holds this time."""

    first_fires_at: When = Field(
        description="When the alert first fires: a duration from start (1h15m) or a timestamp; "
        "the evaluation step holding that time."
    )


class ExpectNeverFires(_Expectation):
    """The alert never fires over the whole grid."""

    never_fires: Literal[True] = Field(description="true: the alert never fires on the series.")


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

    rules: list[Rule] | None = Field(
        default=None, min_length=1, description="The alerting rules deployed in the incident."
    )
    rules_file: RulesFileRef | None = Field(
        default=None,
        description="Or the rule file deployed in the incident: a path, or {path, rev} (git).",
    )

    @model_validator(mode="after")
    def _one_subject(self) -> ThresholdBefore:
        _subject_problem(self.rules, self.rules_file)
        return self


class ThresholdScenario(ScenarioBase):
    """A ``threshold`` scenario: series, alerting rules (the subject) and expectations."""

    subject_key = "rules"

    kind: Literal["threshold"] = Field(
        description="threshold: does the alert rule fire when it should?"
    )
    interval: DurationMs = Field(
        description="The evaluation step, and the spacing of notation samples (e.g. 5m)."
    )
    start: Timestamp | None = Field(
        default=None,
        description="The time of the first sample; default: the earliest file sample, else 0.",
    )
    lookback: DurationMs = Field(
        default=DEFAULT_LOOKBACK_MS,
        description="How far back a query sees the last sample (Prometheus' lookback delta).",
    )
    series: dict[str, SeriesSpec] = Field(
        min_length=1,
        description="Each series by name: promtool expanding notation ('0.01x11 0.08x11') or "
        "{file, timestamp, column} of a CSV/Parquet file.",
    )
    rules: list[Rule] | None = Field(
        default=None,
        min_length=1,
        description="The subject: the alerting rules under test, inline (or give rules_file).",
    )
    rules_file: RulesFileRef | None = Field(
        default=None,
        description="Or the subject as the Prometheus rule file you deploy: a path, or "
        "{path, rev} read with git show (any PromQL, run by promtool).",
    )
    alerts: list[AlertName] | None = Field(
        default=None, min_length=1, description="alerts under test; default: every alert"
    )
    engine: EngineName = Field(
        default="auto",
        description="auto: closeout's engine when every expression is in its subset, else promtool",
    )
    expect: list[Expectation] = Field(
        min_length=1,
        description="What the alert must do: {alert, at, firing}, {alert, first_fires_at} or "
        "{alert, never_fires: true}.",
    )
    before: ThresholdBefore | None = Field(
        default=None,
        description="The rules deployed during the incident (rules or rules_file): they must "
        "fail the expectations.",
    )

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

"""The YAML model of a ``threshold`` scenario (SPEC §4.3): series, rules, expectations.

Semantics follow Prometheus alerting rules and ``promtool test rules``. Series notation and
rule expressions are parsed by the engine, ``promql``, while the file is validated. The
subject is ``rules``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Discriminator, Field, Tag, WithJsonSchema
from pydantic_core import PydanticCustomError

from closeout._time import parse_aware, parse_duration_ms, to_ms
from closeout.kinds.threshold import promql
from closeout.models import DurationMs, Model, ScenarioBase, Timestamp

_ALERT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DEFAULT_LOOKBACK_MS = 5 * 60_000


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
            "alert name {value!r} must be letters, digits and '_' (a Prometheus name)",
            {"value": value},
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
    column: str = Field(min_length=1)


class Rule(Model):
    """A Prometheus alerting rule; its labels do not change when it fires."""

    alert: AlertName
    expr: Expression
    for_: DurationMs = Field(default=0, alias="for")
    keep_firing_for: DurationMs = 0
    labels: dict[str, str] = Field(default_factory=dict)


class ExpectAt(Model):
    """The alert is (or is not) firing at a time."""

    alert: AlertName
    at: When
    firing: bool


class ExpectFirstFires(Model):
    """The alert first fires at the evaluation step that holds this time."""

    alert: AlertName
    first_fires_at: When


class ExpectNeverFires(Model):
    """The alert never fires over the whole grid."""

    alert: AlertName
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


class ThresholdBefore(Model):
    """The rules deployed during the incident (the pre-fix subject)."""

    rules: list[Rule] = Field(min_length=1)


class ThresholdScenario(ScenarioBase):
    """A ``threshold`` scenario: series, alerting rules (the subject) and expectations."""

    subject_key = "rules"

    kind: Literal["threshold"]
    interval: DurationMs
    start: Timestamp | None = None
    lookback: DurationMs = DEFAULT_LOOKBACK_MS
    series: dict[str, SeriesSpec] = Field(min_length=1)
    rules: list[Rule] = Field(min_length=1)
    expect: list[Expectation] = Field(min_length=1)
    before: ThresholdBefore | None = None


def expectation_time(expectation: Expectation) -> TimeRef | None:
    """The time an expectation names (``at`` or ``first_fires_at``), if any."""
    if isinstance(expectation, ExpectAt):
        return expectation.at
    if isinstance(expectation, ExpectFirstFires):
        return expectation.first_fires_at
    return None

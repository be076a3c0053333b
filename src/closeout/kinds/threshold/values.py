"""The scalar values of a ``threshold`` scenario, validated while the file is read: series
notation and inline expressions (parsed by closeout's engine, ``promql``), alert names, the
times expectations name (``TimeRef``) and git revisions of a rule file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from closeout._time import parse_aware, parse_duration_ms, to_ms
from closeout.kinds.threshold import promql
from closeout.kinds.threshold.source import REVISION

_ALERT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


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


def _revision(value: object) -> str:
    if not isinstance(value, str) or not REVISION.match(value):
        raise PydanticCustomError(
            "revision",
            "'{value}' is not a git revision (a tag, branch or commit like v1.4.0 or HEAD~1)",
            {"value": value},
        )
    return value


Revision = Annotated[str, BeforeValidator(_revision), WithJsonSchema({"type": "string"})]

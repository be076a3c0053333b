"""The base of every model: frozen, no unknown keys, and the shared field types.

Identifiers, tags, timestamps and durations are validated here once, with messages a user
can act on; ``suggest`` gives the "did you mean" hint used across closeout.
"""

from __future__ import annotations

import difflib
import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from closeout._time import format_duration_ms, parse_aware, parse_duration_ms

IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
IDENTIFIER = re.compile(IDENTIFIER_PATTERN)
_TAG = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
DURATION_PATTERN = r"^(?:\d+(?:ms|s|m|h|d|w))+$"
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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
        value = value.isoformat()  # checked against closeout's range like any written one
    if not isinstance(value, str):
        raise PydanticCustomError("timestamp", "expected an ISO 8601 timestamp with an offset")
    try:
        return parse_aware(value)
    except ValueError as exc:
        raise PydanticCustomError("timestamp", str(exc)) from None


def _day(value: object) -> date:
    # pydantic alone would read 20991231 as seconds since 1970 and answer with a message
    # about "zero time"; a date is written 2099-12-31, nothing else.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DAY.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise PydanticCustomError(
                "date", "'{value}' is not a day of the calendar", {"value": value.strip()}
            ) from None
    raise PydanticCustomError(
        "date", "must be a date like 2099-12-31, got {value}", {"value": _shown(value)}
    )


def _shown(value: object) -> str:
    """A value as a message shows it: its repr, cut to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _duration(value: object) -> int:
    if not isinstance(value, str):
        # pydantic fills in "{value}" only (no "!r" or format specs): quote it here.
        raise PydanticCustomError(
            "duration",
            "expected a duration string like 90s, 15m, 2h or 1h30m, got {value}",
            {"value": _shown(value)},
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
Day = Annotated[date, BeforeValidator(_day), WithJsonSchema({"type": "string", "format": "date"})]
NonEmptyText = Annotated[str, Field(min_length=1)]


def _durations_as_written(schema: dict[str, Any]) -> None:
    """A duration field holds milliseconds but is written ``5m``: its schema default too."""
    for prop in schema.get("properties", {}).values():
        if (
            isinstance(prop, dict)
            and prop.get("pattern") == DURATION_PATTERN
            and isinstance(prop.get("default"), int)
        ):
            prop["default"] = format_duration_ms(prop["default"])


class Model(BaseModel):
    """Base: frozen, no unknown keys (reported with a suggestion), no coercion of str<->number."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        json_schema_extra=_durations_as_written,
    )

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

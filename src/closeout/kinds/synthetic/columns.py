"""The ``columns`` and ``rows`` of a ``synthetic`` scenario: what generated frames look like.

Part of the YAML model (``spec`` holds the rest): one ``Column`` per generated column (its
dtype, bounds, nulls, values, uniqueness, text length) and the ``Rows`` range. Each is checked
on its own here; checks across fields of the scenario (faults naming columns, ``unique``
against ``rows.min``) are lint's, in ``check``.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, NoReturn

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from closeout.kinds.synthetic.values import bound_value, coerce
from closeout.models import Model

ColumnKind = Literal["float", "int", "str", "bool", "category", "datetime"]
Scalar = bool | int | float | str


def _not_bool(value: object) -> object:
    # YAML `true` must not silently become the bound 1.
    if isinstance(value, bool):
        raise PydanticCustomError(
            "bound", "expected a number or a timestamp, got {value}", {"value": value}
        )
    return value


Bound = Annotated[
    int | float | str,
    BeforeValidator(_not_bool),
    WithJsonSchema({"type": ["number", "string"]}),
]


class Column(Model):
    """One generated column: its dtype and what values it may take."""

    dtype: ColumnKind = Field(
        description="float | int | str | bool | category | datetime (timestamps need an offset)."
    )
    min: Bound | None = Field(default=None, description="The smallest value generated.")
    max: Bound | None = Field(default=None, description="The largest value generated.")
    nulls: bool = Field(default=False, description="Whether values may be null.")
    values: list[Scalar] | None = Field(
        default=None, min_length=1, description="A fixed set of values to draw from."
    )
    unique: bool = Field(default=False, description="No value twice in a frame (ids).")
    min_length: int = Field(
        default=0, ge=0, le=1000, description="The shortest generated text (str columns)."
    )
    max_length: int = Field(
        default=20, ge=0, le=1000, description="The longest generated text (str columns)."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Column:
        if self.dtype in ("str", "bool", "category") and (
            self.min is not None or self.max is not None
        ):
            hint = "; use min_length/max_length for text" if self.dtype == "str" else ""
            _fail(
                "max" if self.min is None else "min",
                f"min/max do not apply to {self.dtype} columns{hint}",
            )
        if self.dtype == "category" and not self.values:
            _fail("values", "a category column needs its values: [A, B, ...]")
        if self.dtype == "bool" and self.values is not None:
            _fail("values", "a bool column takes no values (it is true or false)")
        if self.min_length > self.max_length:
            _fail(
                "max_length", f"max_length {self.max_length} is below min_length {self.min_length}"
            )
        low, high = self.bound("min"), self.bound("max")
        if low is not None and high is not None and low > high:
            _fail("max", f"contradictory bounds: min {self.min} is above max {self.max}")
        for value in self.values or []:
            self._check_value(value, low, high)
        if self.values is not None and len(set(map(repr, self.values))) != len(self.values):
            _fail("values", "values are listed twice")
        return self

    def bound(self, which: str) -> float | None:
        """``min`` or ``max`` as a number (epoch seconds for datetime), checked for the dtype."""
        raw = getattr(self, which)
        if raw is None or self.dtype not in ("float", "int", "datetime"):
            return None
        result = bound_value(self.dtype, raw)
        if isinstance(result, str):
            _fail(which, result)
        return float(result)

    def _check_value(self, value: Scalar, low: float | None, high: float | None) -> None:
        if self.dtype == "str" and not isinstance(value, str):
            _fail("values", f"{value!r} is not text; quote it or use dtype category")
        if self.dtype in ("category", "str"):
            return
        try:
            cell = coerce(self.dtype, value)
        except ValueError as exc:
            _fail("values", str(exc))
        number = cell / 1e9 if self.dtype == "datetime" else float(cell)
        if not math.isfinite(number):
            _fail("values", f"{value!r} is not a finite value; use nulls: true for missing values")
        if (low is not None and number < low) or (high is not None and number > high):
            _fail("values", f"value {value!r} is outside [min, max]: contradictory bounds")


def _fail(key: str, message: str) -> NoReturn:
    raise PydanticCustomError("synthetic", "{message}", {"message": message, "key": key})


class Rows(Model):
    """How many rows a generated frame has: ``min`` to ``max``, both included."""

    min: int = Field(default=1, ge=0, le=100_000, description="The fewest rows in a frame.")
    max: int = Field(default=100, ge=0, le=100_000, description="The most rows in a frame.")

    @model_validator(mode="after")
    def _ordered(self) -> Rows:
        if self.min > self.max:
            _fail("max", f"contradictory bounds: rows.min {self.min} is above rows.max {self.max}")
        return self

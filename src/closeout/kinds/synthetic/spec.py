"""The YAML model of a ``synthetic`` scenario (SPEC §4.4): no pandas, no hypothesis.

The subject is ``function``: a transform (DataFrame -> DataFrame) held to its ``properties``,
or a validator (DataFrame -> accept/reject) held to ``expect`` over clean frames and frames
carrying ``faults``. The generated ``columns`` and ``rows`` are modelled in ``columns``; here
are the edge cases, properties, faults and the scenario itself. Cross-field checks are
``check``'s; the run is ``run``'s.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Discriminator, Field, Tag
from pydantic_core import PydanticCustomError

from closeout.kinds.synthetic.columns import Bound, Column, Rows
from closeout.kinds.synthetic.values import DtypeName
from closeout.models import Model, ScenarioBase, suggest


class EdgeCaseFile(Model):
    """An edge case read from a CSV or Parquet file (every generated column, nothing else)."""

    file: str = Field(
        min_length=1, description="A CSV or Parquet file of rows, relative to the project root."
    )


EdgeCase = Annotated[
    Annotated[list[dict[str, Any]], Tag("form:rows")] | Annotated[EdgeCaseFile, Tag("form:file")],
    Discriminator(lambda value: "form:file" if isinstance(value, dict) else "form:rows"),
]

# --------------------------------------------------------------------------- properties

PROPERTY_NAMES = (
    "no_exception",
    "no_nulls",
    "in_range",
    "row_count",
    "columns_preserved",
    "dtype",
    "check",
)
_BARE = ("no_exception", "columns_preserved")


def _property_form(value: object) -> object:
    """Name the property forms; unknown names get a suggestion, bare ones a usage hint."""
    if isinstance(value, dict) and len(value) == 1:
        key, inner = next(iter(value.items()))
        if key in _BARE and inner is True:
            return key
        if key not in PROPERTY_NAMES:
            raise PydanticCustomError(
                "property",
                "unknown property '{name}'{hint}",
                {"name": str(key), "hint": suggest(str(key), PROPERTY_NAMES)},
            )
        return value
    if isinstance(value, str):
        if value in _BARE:
            return value
        if value in PROPERTY_NAMES:
            raise PydanticCustomError(
                "property",
                "property '{name}' needs an argument, e.g. {example}",
                {"name": value, "example": _EXAMPLES[value]},
            )
        raise PydanticCustomError(
            "property",
            "unknown property '{name}'{hint}",
            {"name": value, "hint": suggest(value, PROPERTY_NAMES)},
        )
    raise PydanticCustomError(
        "property",
        "a property is a name (no_exception) or a mapping with one key, like {example}",
        {"example": _EXAMPLES["no_nulls"]},
    )


_EXAMPLES = {
    "no_nulls": "{no_nulls: [income]}",
    "in_range": "{in_range: {income: [0, 1000000]}}",
    "row_count": "{row_count: preserved}",
    "dtype": "{dtype: {income: float64}}",
    "check": '{check: "tests/properties.py:income_is_in_euros"}',
}


class NoNulls(Model):
    no_nulls: list[str] = Field(
        min_length=1, description="Output columns that must hold no null (NaN, None, NaT)."
    )


class InRange(Model):
    in_range: dict[str, tuple[Bound, Bound]] = Field(
        min_length=1, description="Output columns and their [min, max], bounds included."
    )


class RowCount(Model):
    row_count: Literal["preserved", "at_most_input"] = Field(
        description="preserved: as many rows out as in | at_most_input: never more."
    )


class DtypeIs(Model):
    dtype: dict[str, DtypeName] = Field(
        min_length=1, description="Output columns and the pandas dtype each must have."
    )


class CheckCallable(Model):
    check: str = Field(
        min_length=1,
        description="Your own check, callable(input_df, output_df): raises AssertionError or "
        "returns False when the property fails ('module:function' or 'path.py:function').",
    )


def _property_tag(value: object) -> str | None:
    if isinstance(value, str):
        return f"form:{value}"
    if isinstance(value, dict) and value:
        return f"form:{next(iter(value))}"
    return None


Property = Annotated[
    Annotated[
        Annotated[Literal["no_exception"], Tag("form:no_exception")]
        | Annotated[Literal["columns_preserved"], Tag("form:columns_preserved")]
        | Annotated[NoNulls, Tag("form:no_nulls")]
        | Annotated[InRange, Tag("form:in_range")]
        | Annotated[RowCount, Tag("form:row_count")]
        | Annotated[DtypeIs, Tag("form:dtype")]
        | Annotated[CheckCallable, Tag("form:check")],
        Discriminator(_property_tag),
    ],
    BeforeValidator(_property_form),
]

# --------------------------------------------------------------------------- faults

Rate = Annotated[float, Field(gt=0, le=1)]


_COLUMN = "The generated column the fault touches."
_RATE = "The share of rows it touches (ceil(rate x rows), at least 1); default: one row."


class NullsFault(Model):
    inject: Literal["nulls"] = Field(description="nulls: blank out values of a column.")
    column: str = Field(description=_COLUMN)
    rate: Rate | None = Field(default=None, description=_RATE)


class OutOfRangeFault(Model):
    inject: Literal["out_of_range"] = Field(description="out_of_range: write an invalid value.")
    column: str = Field(description=_COLUMN)
    value: Bound = Field(description="The value written, outside the column's range.")
    rate: Rate | None = Field(default=None, description=_RATE)


class ScaleFault(Model):
    inject: Literal["scale"] = Field(description="scale: multiply values (a unit change).")
    column: str = Field(description=_COLUMN)
    factor: float = Field(description="The factor, e.g. 100 for euros sent as cents.")
    rate: Rate | None = Field(default=None, description=_RATE.replace("one row", "every row"))


class DropColumnFault(Model):
    inject: Literal["drop_column"] = Field(description="drop_column: the column is missing.")
    column: str = Field(description=_COLUMN)


class DuplicateRowsFault(Model):
    inject: Literal["duplicate_rows"] = Field(description="duplicate_rows: repeat some rows.")
    rate: Rate | None = Field(default=None, description=_RATE)


class DtypeFault(Model):
    inject: Literal["dtype"] = Field(description="dtype: the column arrives as another type.")
    column: str = Field(description=_COLUMN)
    to: Literal["str", "float", "int", "category"] = Field(
        description="The type it arrives as: str | float | int | category."
    )


class NewCategoryFault(Model):
    inject: Literal["new_category"] = Field(description="new_category: an unseen category.")
    column: str = Field(description=_COLUMN)
    value: str | int = Field(description="The category written, not among the column's values.")
    rate: Rate | None = Field(default=None, description=_RATE)


FAULT_NAMES = (
    "nulls",
    "out_of_range",
    "scale",
    "drop_column",
    "duplicate_rows",
    "dtype",
    "new_category",
)


def _fault_form(value: object) -> object:
    if not isinstance(value, dict):
        raise PydanticCustomError(
            "fault", "a fault is a mapping like {inject: nulls, column: income, rate: 0.3}"
        )
    name = value.get("inject")
    if name is None:
        raise PydanticCustomError(
            "fault",
            "missing required field (one of {names})",
            {"names": ", ".join(FAULT_NAMES), "key": "inject"},
        )
    if name not in FAULT_NAMES:
        raise PydanticCustomError(
            "fault",
            "unknown fault '{name}'{hint}; faults: {names}",
            {
                "name": str(name),
                "hint": suggest(str(name), FAULT_NAMES),
                "names": ", ".join(FAULT_NAMES),
                "key": "inject",
            },
        )
    return value


Fault = Annotated[
    Annotated[
        Annotated[NullsFault, Tag("nulls")]
        | Annotated[OutOfRangeFault, Tag("out_of_range")]
        | Annotated[ScaleFault, Tag("scale")]
        | Annotated[DropColumnFault, Tag("drop_column")]
        | Annotated[DuplicateRowsFault, Tag("duplicate_rows")]
        | Annotated[DtypeFault, Tag("dtype")]
        | Annotated[NewCategoryFault, Tag("new_category")],
        Discriminator(
            lambda value: (
                value.get("inject") if isinstance(value, dict) else getattr(value, "inject", None)
            )
        ),
    ],
    BeforeValidator(_fault_form),
]


class ValidatorExpect(Model):
    accepts_clean: bool = Field(
        default=True, description="The validator must accept every clean generated frame."
    )
    rejects: Literal["all"] | list[Annotated[int, Field(ge=0)]] = Field(
        default="all",
        description="The faults it must reject: all, or a list of indexes into faults.",
    )


class SyntheticBefore(Model):
    function: str = Field(
        min_length=1, description="The code deployed during the incident ('module:function')."
    )


class SyntheticScenario(ScenarioBase):
    """A ``synthetic`` scenario: generated frames, the subject function and its properties.

    Besides SPEC §4.4: ``min_length``/``max_length`` bound generated text (default 0..20); an
    edge case may be ``{file: path.csv}`` (every generated column, a naive timestamp read as
    UTC) instead of a list of rows, and a column missing from a written row is null; ``rate``
    is optional on every row fault (without it: one row, except ``scale``, a unit change,
    which touches every row). Open bounds: floats and ints range over their whole type,
    datetimes over 2000-01-01..2030-01-01.
    """

    subject_key = "function"

    kind: Literal["synthetic"] = Field(
        description="synthetic: does the code hold over generated data, incident rows included?"
    )
    function: str = Field(
        min_length=1,
        description="The subject: 'package.module:function' or 'path/file.py:function', "
        "DataFrame -> DataFrame (transform) or DataFrame -> accept/reject (validator).",
    )
    mode: Literal["transform", "validator"] = Field(
        default="transform",
        description="transform: held to properties | validator: must accept clean frames "
        "and reject the faults.",
    )
    columns: dict[str, Column] = Field(
        min_length=1, description="The generated columns, in order, each with its dtype."
    )
    rows: Rows = Field(default_factory=Rows, description="How many rows a frame has: {min, max}.")
    examples: int = Field(
        default=100,
        ge=1,
        le=100_000,
        description="Generated frames per run, after the edge cases (seeded: the same everywhere).",
    )
    edge_cases: list[EdgeCase] = Field(
        default_factory=list,
        description="Frames tried first, as written: lists of rows (the incident's) or {file}.",
    )
    properties: list[Property] = Field(
        default_factory=list,
        description="What every output must satisfy (transform): no_exception, row_count, "
        "columns_preserved, no_nulls, in_range, dtype, check.",
    )
    faults: list[Fault] = Field(
        default_factory=list,
        description="Faults injected into clean frames (validator): {inject: nulls | "
        "out_of_range | scale | drop_column | duplicate_rows | dtype | new_category, ...}.",
    )
    expect: ValidatorExpect | None = Field(
        default=None, description="What the validator must do: {accepts_clean, rejects}."
    )
    before: SyntheticBefore | None = Field(
        default=None, description="The code deployed during the incident: {function}."
    )

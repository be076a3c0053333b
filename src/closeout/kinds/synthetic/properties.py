"""Transform properties (SPEC §4.4): each judges one (input frame, output) pair.

A property returns None when it holds, or a ``Broken`` saying what is wrong in words a person
can act on ("output column 'income' has 2 nulls (rows 0, 3)"). ``no_exception`` is judged
by the caller, which calls the subject; it is always checked, listed or not, because an
exception in the subject is a failure of the run (SPEC §4).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from closeout._time import parse_aware
from closeout.callables import call_subject
from closeout.errors import SubjectError
from closeout.kinds.synthetic.failure import Broken
from closeout.kinds.synthetic.spec import (
    CheckCallable,
    DtypeIs,
    InRange,
    NoNulls,
    RowCount,
    SyntheticScenario,
)

if TYPE_CHECKING:
    import pandas as pd

SHOWN = 3  # offending values quoted in a message


Judge = Callable[["pd.DataFrame", "pd.DataFrame"], Broken | None]


@dataclass(frozen=True)
class Property:
    """One property: its outcome name, its target in words, and its judge."""

    name: str
    target: str
    judge: Judge
    implied: bool = False


NO_EXCEPTION = "no_exception"


def properties(
    scenario: SyntheticScenario, checks: dict[str, Callable[..., Any]]
) -> list[Property]:
    """The scenario's properties in order, ``no_exception`` first (implied when not listed)."""
    listed = [_property(item, checks) for item in scenario.properties if item != NO_EXCEPTION]
    explicit = NO_EXCEPTION in scenario.properties
    first = Property(NO_EXCEPTION, "runs and returns a DataFrame", _never, implied=not explicit)
    return [first, *listed]


def _never(frame: pd.DataFrame, output: pd.DataFrame) -> Broken | None:
    return None  # judged by the caller, which sees the exception


def _property(item: Any, checks: dict[str, Callable[..., Any]]) -> Property:
    if item == "columns_preserved":
        return Property("columns_preserved", "every input column in the output", _columns_preserved)
    if isinstance(item, NoNulls):
        shown = ", ".join(item.no_nulls)
        return Property(f"no_nulls: {shown}", f"no nulls in {shown}", _no_nulls(item.no_nulls))
    if isinstance(item, InRange):
        shown = ", ".join(f"{c} in [{lo}, {hi}]" for c, (lo, hi) in item.in_range.items())
        return Property(f"in_range: {shown}", shown, _in_range(item))
    if isinstance(item, RowCount):
        words = {
            "preserved": "as many rows as the input",
            "at_most_input": "at most the input's rows",
        }
        return Property(
            f"row_count: {item.row_count}", words[item.row_count], _row_count(item.row_count)
        )
    if isinstance(item, DtypeIs):
        shown = ", ".join(f"{c}: {d}" for c, d in item.dtype.items())
        return Property(f"dtype: {shown}", shown, _dtypes(item.dtype))
    assert isinstance(item, CheckCallable)
    return Property(
        f"check: {item.check}", "passes (no AssertionError)", _check(item.check, checks[item.check])
    )


def _positions(mask: Any) -> str:
    import numpy as np

    rows = np.flatnonzero(np.asarray(mask, dtype=bool))
    shown = ", ".join(str(r) for r in rows[:SHOWN])
    return f"row{'s' if len(rows) > 1 else ''} {shown}{', ...' if len(rows) > SHOWN else ''}"


def _missing_column(output: pd.DataFrame, column: str) -> Broken | None:
    if column in output.columns:
        return None
    return Broken(
        f"output has no column '{column}' (columns: {', '.join(map(str, output.columns))})"
    )


def _no_nulls(columns: list[str]) -> Judge:
    def judge(frame: pd.DataFrame, output: pd.DataFrame) -> Broken | None:
        for column in columns:
            broken = _missing_column(output, column)
            if broken:
                return broken
            mask = output[column].isna().to_numpy()
            if mask.any():
                count = int(mask.sum())
                nulls = f"{count} null{'s' * (count > 1)}"
                return Broken(f"output column '{column}' has {nulls} ({_positions(mask)})")
        return None

    return judge


def _in_range(item: InRange) -> Judge:
    def judge(frame: pd.DataFrame, output: pd.DataFrame) -> Broken | None:
        for column, (low, high) in item.in_range.items():
            broken = _missing_column(output, column) or _outside(output[column], column, low, high)
            if broken:
                return broken
        return None

    return judge


def _outside(series: pd.Series, column: str, low: Any, high: Any) -> Broken | None:
    import numpy as np
    import pandas as pd

    if isinstance(low, str):
        if not pd.api.types.is_datetime64_any_dtype(series.dtype):
            return Broken(f"output column '{column}' is {series.dtype}, not a datetime")
        values = series if series.dt.tz is not None else series.dt.tz_localize("UTC")
        lo, hi = pd.Timestamp(parse_aware(low)), pd.Timestamp(parse_aware(str(high)))
        mask = (values.notna() & ((values < lo) | (values > hi))).to_numpy()
    else:
        if not pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(
            series.dtype
        ):
            return Broken(f"output column '{column}' is {series.dtype}, not numeric")
        numbers = series.to_numpy(dtype=np.float64, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            mask = ~np.isnan(numbers) & ((numbers < float(low)) | (numbers > float(high)))
    if not mask.any():
        return None
    offending = [str(v) for v in series[mask].tolist()[:SHOWN]]
    count = int(mask.sum())
    return Broken(
        f"output column '{column}' has {count} value{'s' * (count > 1)} outside [{low}, {high}]: "
        f"{', '.join(offending)} ({_positions(mask)})"
    )


def _row_count(rule: str) -> Judge:
    def judge(frame: pd.DataFrame, output: pd.DataFrame) -> Broken | None:
        rows_in, rows_out = len(frame), len(output)
        if rule == "preserved" and rows_out != rows_in:
            return Broken(f"output has {rows_out} rows, input {rows_in}")
        if rule == "at_most_input" and rows_out > rows_in:
            return Broken(f"output has {rows_out} rows, more than the input's {rows_in}")
        return None

    return judge


def _columns_preserved(frame: pd.DataFrame, output: pd.DataFrame) -> Broken | None:
    lost = [str(c) for c in frame.columns if c not in output.columns]
    if lost:
        return Broken(f"output lacks input column{'s' * (len(lost) > 1)} {', '.join(lost)}")
    return None


def _dtypes(wanted: dict[str, str]) -> Judge:
    def judge(frame: pd.DataFrame, output: pd.DataFrame) -> Broken | None:
        for column, name in wanted.items():
            broken = _missing_column(output, column)
            if broken:
                return broken
            series = output[column]
            if not dtype_matches(series, name):
                return Broken(f"output column '{column}' is {series.dtype}, not {name}")
        return None

    return judge


def dtype_matches(series: pd.Series, name: str) -> bool:
    """A pandas dtype name matches exactly; a kind (float, int, ...) matches its family."""
    import pandas as pd

    types = pd.api.types
    dtype = series.dtype
    generic: dict[str, Callable[[], bool]] = {
        "float": lambda: bool(types.is_float_dtype(dtype)),
        "int": lambda: bool(types.is_integer_dtype(dtype)) and not types.is_bool_dtype(dtype),
        "bool": lambda: bool(types.is_bool_dtype(dtype)),
        "category": lambda: isinstance(dtype, pd.CategoricalDtype),
        "datetime": lambda: bool(types.is_datetime64_any_dtype(dtype)),
        "str": lambda: (
            bool(types.is_string_dtype(dtype))
            and not isinstance(dtype, pd.CategoricalDtype)
            and all(isinstance(v, str) for v in series.dropna().tolist())
        ),
    }
    if name in generic:
        return generic[name]()
    return str(dtype) == name


def _check(ref: str, function: Callable[..., Any]) -> Judge:
    def judge(frame: pd.DataFrame, output: pd.DataFrame) -> Broken | None:
        try:
            result = call_subject(function, frame.copy(), output.copy(), what=ref)
        except SubjectError as exc:
            return Broken(str(exc), exc.traceback_text)
        if result is False:
            return Broken(f"{ref} returned False")
        return None

    return judge

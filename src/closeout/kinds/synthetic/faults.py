"""Fault injectors for validator mode (SPEC §4.4).

Each fault turns a clean frame into one that really carries the fault:

- row faults (nulls, out_of_range, scale, new_category, duplicate_rows) touch
  ``ceil(rate x rows)`` rows, at least one; without ``rate`` one row, except ``scale``,
  which is a unit change and touches every row. Only rows the fault can change are touched
  (``scale`` skips null and zero cells, ``nulls`` skips null cells); a frame with no such row
  cannot carry the fault and is counted apart. In generated frames the touched rows are
  picked by a seed drawn with the frame; in edge cases (and while polishing) they are the
  first rows the fault can change.
- column faults (drop_column, dtype) change the whole column.

Cells are replaced without pandas' deprecated incompatible-dtype assignment: a column whose
dtype cannot hold the injected value is converted first (int -> Int64 for nulls, -> float64
for a fractional value or an overflowing scale, -> object for text).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from closeout._time import parse_aware
from closeout.kinds.synthetic.frames import Generated
from closeout.kinds.synthetic.spec import (
    DropColumnFault,
    DtypeFault,
    DuplicateRowsFault,
    NewCategoryFault,
    NullsFault,
    OutOfRangeFault,
    ScaleFault,
)
from closeout.kinds.synthetic.values import INT64_RANGE

if TYPE_CHECKING:
    import pandas as pd

RowFault = NullsFault | OutOfRangeFault | ScaleFault | NewCategoryFault | DuplicateRowsFault


@dataclass
class Injected:
    """A frame carrying a fault, the rows it touched (None: a column) and the clean frame."""

    frame: pd.DataFrame
    touched: list[int] | None
    clean: Generated | None = None


def describe(fault: Any) -> str:
    """The fault in a few words, for outcome names."""
    share = _share(fault)
    if isinstance(fault, NullsFault):
        return f"nulls in {fault.column} ({share})"
    if isinstance(fault, OutOfRangeFault):
        return f"{fault.column} = {fault.value!r} ({share})"
    if isinstance(fault, ScaleFault):
        return f"{fault.column} * {fault.factor:g} ({share})"
    if isinstance(fault, NewCategoryFault):
        return f"{fault.column} = {fault.value!r} ({share})"
    if isinstance(fault, DuplicateRowsFault):
        return f"duplicate rows ({share})"
    if isinstance(fault, DropColumnFault):
        return f"drop column {fault.column}"
    return f"{fault.column} as {fault.to}"


def _share(fault: Any) -> str:
    rate = getattr(fault, "rate", None)
    if rate is not None:
        return f"{rate:.0%} of rows"
    return "every row" if isinstance(fault, ScaleFault) else "1 row"


def touched_count(fault: RowFault, rows: int) -> int:
    """How many rows a row fault touches in a frame of ``rows`` rows."""
    if fault.rate is None:
        return rows if isinstance(fault, ScaleFault) else 1
    # round() first: 0.3 * 10 is 3.0000000000000004 in binary floating point.
    return max(1, math.ceil(round(fault.rate * rows, 9)))


def eligible(fault: RowFault, frame: pd.DataFrame) -> list[int]:
    """Positions of the rows the fault would change."""
    import numpy as np

    if isinstance(fault, DuplicateRowsFault):
        return list(range(len(frame)))
    series = frame[fault.column]
    present = series.notna().to_numpy()
    if isinstance(fault, NullsFault):
        mask = present
    elif isinstance(fault, ScaleFault):
        numbers = series.to_numpy(dtype=np.float64, na_value=np.nan)
        with np.errstate(over="ignore", invalid="ignore"):
            mask = present & (numbers * fault.factor != numbers)
    else:
        mask = ~present | (series.astype(object) != _cell_value(fault, series)).to_numpy()
    return [int(i) for i in np.flatnonzero(mask)]


def _cell_value(fault: OutOfRangeFault | NewCategoryFault, series: pd.Series) -> Any:
    import pandas as pd

    if isinstance(fault.value, str) and pd.api.types.is_datetime64_any_dtype(series.dtype):
        return pd.Timestamp(parse_aware(fault.value))
    return fault.value


def is_row_fault(fault: Any) -> bool:
    return not isinstance(fault, DropColumnFault | DtypeFault)


def inject(fault: Any, frame: pd.DataFrame, rows: list[int]) -> pd.DataFrame:
    """A copy of ``frame`` carrying the fault on ``rows`` (ignored by column faults)."""
    import pandas as pd

    if isinstance(fault, DropColumnFault):
        return frame.drop(columns=[fault.column])
    if isinstance(fault, DuplicateRowsFault):
        return pd.concat([frame, frame.iloc[rows]], ignore_index=True)
    changed = frame.copy()
    series = frame[fault.column]
    if isinstance(fault, DtypeFault):
        changed[fault.column] = convert(series, fault.to)
    elif isinstance(fault, NullsFault):
        changed[fault.column] = _with_nulls(series, rows)
    elif isinstance(fault, ScaleFault):
        changed[fault.column] = _scaled(series, rows, fault.factor)
    else:
        changed[fault.column] = _with_value(series, rows, _cell_value(fault, series))
    return changed


def _with_nulls(series: pd.Series, rows: list[int]) -> pd.Series:
    import numpy as np
    import pandas as pd

    types = pd.api.types
    out = series.copy()
    if types.is_bool_dtype(out.dtype) and not isinstance(out.dtype, pd.BooleanDtype):
        out = out.astype("boolean")
    elif types.is_integer_dtype(out.dtype) and not isinstance(
        out.dtype, pd.api.extensions.ExtensionDtype
    ):
        out = out.astype("Int64")
    if types.is_datetime64_any_dtype(out.dtype):
        null: Any = pd.NaT
    elif types.is_float_dtype(out.dtype) or isinstance(out.dtype, pd.CategoricalDtype):
        null = np.nan
    elif isinstance(out.dtype, pd.api.extensions.ExtensionDtype):
        null = pd.NA
    else:
        null = None
    out.iloc[rows] = null
    return out


def _scaled(series: pd.Series, rows: list[int], factor: float) -> pd.Series:
    import numpy as np
    import pandas as pd

    if pd.api.types.is_integer_dtype(series.dtype) and float(factor).is_integer():
        values = series.astype(object).tolist()
        for row in rows:
            values[row] = int(values[row]) * int(factor)
        low, high = INT64_RANGE
        if all(v is None or v is pd.NA or low <= v <= high for v in values):
            return pd.Series(pd.array(values, dtype=series.dtype), index=series.index)
    numbers = series.to_numpy(dtype=np.float64, na_value=np.nan).copy()
    with np.errstate(over="ignore", invalid="ignore"):
        numbers[rows] = numbers[rows] * factor
    return pd.Series(numbers, index=series.index)


def _with_value(series: pd.Series, rows: list[int], value: Any) -> pd.Series:
    import pandas as pd

    types = pd.api.types
    out = series.copy()
    if isinstance(out.dtype, pd.CategoricalDtype):
        if value not in out.cat.categories:
            out = out.cat.add_categories([value])
    elif types.is_integer_dtype(out.dtype) and not (
        isinstance(value, int) and not isinstance(value, bool)
    ):
        out = out.astype("float64") if isinstance(value, float) else out.astype(object)
    elif types.is_float_dtype(out.dtype) and not isinstance(value, int | float):
        out = out.astype(object)
    out.iloc[rows] = value
    return out


def convert(series: pd.Series, to: str) -> pd.Series:
    """The dtype fault: the whole column as another dtype."""
    import numpy as np
    import pandas as pd

    if to == "category":
        return series.astype("category")
    if to == "str":
        return pd.Series([_text(v) for v in series.tolist()], index=series.index, dtype=object)
    numbers = series.astype(object).where(series.notna(), np.nan).astype(np.float64).to_numpy()
    if to == "float":
        return pd.Series(numbers, index=series.index)
    low, high = INT64_RANGE
    ints = [None if math.isnan(v) else int(min(max(round(v), low), high)) for v in numbers.tolist()]
    return pd.Series(pd.array(ints, dtype="Int64"), index=series.index)


def _text(value: Any) -> str | None:
    import pandas as pd

    if (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and math.isnan(value))
    ):
        return None
    if isinstance(value, pd.Timestamp):
        return str(value.isoformat())
    return str(value)


# --------------------------------------------------------------------------- placing faults


def injected_at_random(fault: Any, generated: Generated, seed: int) -> Injected | None:
    """The fault on rows picked by a generator seeded with ``seed``: any of the rows it can
    change, as many as it needs; None when no row can carry it."""
    import numpy as np

    frame = generated.frame
    if not is_row_fault(fault):
        return Injected(inject(fault, frame, []), None, generated)
    positions = eligible(fault, frame)
    if not positions:
        return None
    count = min(touched_count(fault, len(frame)), len(positions))
    if count < len(positions):
        picked = np.random.default_rng(seed).choice(len(positions), size=count, replace=False)
        positions = sorted(positions[int(i)] for i in picked)
    return Injected(inject(fault, frame, positions), positions, generated)


def reinject(fault: Any, generated: Generated, wanted: list[int]) -> Injected | None:
    """The fault on a (polished) clean frame: the wanted rows first, topped up or trimmed to
    the count the fault needs; None when no row can carry it."""
    frame = generated.frame
    if not is_row_fault(fault):
        return Injected(inject(fault, frame, []), None, generated)
    positions = eligible(fault, frame)
    if not positions:
        return None
    count = min(touched_count(fault, len(frame)), len(positions))
    usable = set(positions)
    chosen = [p for p in wanted if p in usable][:count]
    chosen += [p for p in positions if p not in chosen][: count - len(chosen)]
    chosen.sort()
    return Injected(inject(fault, frame, chosen), chosen, generated)


def inject_edge_case(fault: Any, generated: Generated) -> Injected | None:
    """The fault on an edge case: the first rows it can change; None when there are none."""
    return reinject(fault, generated, [])

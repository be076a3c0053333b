"""Loading the frames a drift replay reads: column types, nullable casts, checks.

Files are read (and the timestamp column parsed) by the shared toolkit
(``closeout.kinds._toolkit.data``); this module keeps what is particular to drift tests.
Every problem with the data is a ``DataError`` naming the file and the column. pandas and
numpy are imported inside the functions: only a running scenario uses this module.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from closeout.errors import DataError
from closeout.kinds._toolkit.data import read_frame, require_column
from closeout.project import Project

if TYPE_CHECKING:
    import pandas as pd

ColumnKind = Literal["num", "cat"]
KIND_WORDS = {"num": "numeric", "cat": "categorical"}

# The fixed and the pre-fix side of a scenario read the same files one after the other:
# keep the last few frames (keyed by path, mtime and size, so an edited file is re-read).
_CACHE_SIZE = 4
_FRAMES: OrderedDict[tuple[str, int, int], pd.DataFrame] = OrderedDict()


@dataclass
class Table:
    """One data file of the scenario (reference, current or control) as read."""

    role: str
    display: str
    frame: pd.DataFrame
    _columns: dict[str, pd.Series] = field(default_factory=dict)

    def column(self, name: str) -> pd.Series:
        """The column cast for drift tests (nullable dtypes cast, never skipped); cached."""
        if name not in self._columns:
            require_column(self.frame, name, self.display)
            self._columns[name] = cast(self.frame[name])
        return self._columns[name]


def load_table(project: Project, relative: str, role: str) -> Table:
    """Read a scenario's data file (CSV or Parquet) inside the project."""
    try:
        path = project.resolve_inside(relative)
    except ValueError as exc:
        raise DataError(f"{role}: {exc}") from None
    return Table(role, relative, _read_cached(path, relative))


def _read_cached(path: Path, display: str) -> pd.DataFrame:
    try:
        stat = path.stat()
    except OSError:
        return read_frame(path, display, lean=True)  # raises the usual "file not found"
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key in _FRAMES:
        _FRAMES.move_to_end(key)
        return _FRAMES[key]
    frame = read_frame(path, display, lean=True)
    _FRAMES[key] = frame
    while len(_FRAMES) > _CACHE_SIZE:
        _FRAMES.popitem(last=False)
    return frame


def column_kind(series: pd.Series) -> ColumnKind | None:
    """Numeric, categorical, or None for a type no drift test takes (datetimes)."""
    import pandas as pd

    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "cat"
    if pd.api.types.is_numeric_dtype(dtype):
        return "num"
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        return None
    return "cat"


def cast(series: pd.Series) -> pd.Series:
    """Nullable and extension dtypes as plain numpy ones, so evidently sees every value.

    ``Int64``/``Float64`` become float64 (``<NA>`` -> NaN); ``boolean``, ``string`` and
    ``category`` become object (a category dtype would make value counts include categories
    that never occur). Plain numpy columns are passed through untouched.
    """
    import numpy as np
    import pandas as pd

    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biufcO":
        if dtype.kind == "b":
            return series.astype(object)
        return series
    kind = column_kind(series)
    if kind == "num" and not pd.api.types.is_bool_dtype(dtype):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        return pd.Series(values, index=series.index, name=series.name)
    if kind is None:
        return series
    values = series.astype(object).to_numpy()
    missing = series.isna().to_numpy()
    values[missing] = np.nan
    return pd.Series(values, index=series.index, name=series.name, dtype=object)

"""One column's values as the drift tests need them: cleaned once, sorted or counted once.

evidently's stattests take two pandas Series (infinities turned into NaN, NaNs dropped, rows
in file order) and recompute everything about the reference on every call: sorting it,
binning it, counting its categories. A ``Sample`` holds one column of one window, or of the
reference, cleaned exactly that way, with those derived forms computed at most once:

- numeric: the values as float64, sorted, and their distinct values with cumulative counts
  (``Distinct``), which every rank and ECDF test reads with ``searchsorted``;
- categorical (and numeric columns with few distinct values, which evidently bins by value):
  the distinct values in order of appearance and the value counts, exactly as evidently's
  ``get_unique_not_nan_values_list_from_series`` and ``value_counts`` see them.

A reference ``Sample`` is built once per replay (``prepare`` computes what its methods need
before the windows are scored, so worker processes share it); a window's is built per window.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

# Integers beyond 2**53 do not survive float64: the fast tests (which compare in float64)
# leave such columns to evidently's own functions.
EXACT_INT = 2**53
# pandas' inferred types for which equality, hashing and sorting of the values behave as in
# evidently's Python code (a column mixing text and numbers goes to evidently itself).
_PLAIN_TYPES = {"string", "boolean", "integer", "floating", "mixed-integer-float", "empty"}


def clean(values: Any) -> Any:
    """evidently's cleaning of a column: infinities become NaN, NaNs are dropped, order kept.

    A numeric numpy array stays a numpy array (the fast tests need nothing else); anything
    else becomes a pandas Series, as evidently holds it.
    """
    import numpy as np
    import pandas as pd

    if isinstance(values, np.ndarray) and values.dtype.kind in "iuf":
        if values.dtype.kind != "f":
            return values
        finite = np.isfinite(values)
        return values if bool(finite.all()) else values[finite]
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    series = series.reset_index(drop=True)
    if series.dtype.kind == "f":
        finite = np.isfinite(series.to_numpy())
        return series if bool(finite.all()) else series[finite].reset_index(drop=True)
    if series.dtype.kind in "iub":
        return series
    return series.replace([-np.inf, np.inf], np.nan).dropna().reset_index(drop=True)


@dataclass(frozen=True)
class Distinct:
    """Sorted distinct values and, for each, how many values are at most it."""

    values: np.ndarray  # float64, ascending
    ends: np.ndarray  # int64: number of values <= values[i]
    counts: np.ndarray  # int64: how many times values[i] occurs


def distinct(ordered: np.ndarray) -> Distinct:
    """The distinct values of an ascending array, with cumulative counts."""
    import numpy as np

    if len(ordered) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Distinct(ordered, empty, empty)
    last = np.empty(len(ordered), dtype=bool)
    last[-1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=last[:-1])
    if bool(last.all()):  # no ties (continuous data): nothing to gather
        size = len(ordered)
        return Distinct(ordered, np.arange(1, size + 1), np.ones(size, dtype=np.int64))
    ends = (np.flatnonzero(last) + 1).astype(np.int64)
    return Distinct(ordered[ends - 1], ends, np.diff(ends, prepend=0))


class Sample:
    """One column's cleaned values (a window, or the reference) and what tests derive."""

    def __init__(self, values: Any, numeric: bool) -> None:
        """``values``: a column cleaned by ``clean`` (a numpy array or a pandas Series)."""
        self.values = values
        self.numeric = numeric
        self.n = len(values)
        kind = values.dtype.kind
        self.integer = numeric and kind in "iu"
        if numeric:
            # float64 holds every value exactly: the fast tests may compute in float64
            self.exact = kind == "f" and values.dtype.itemsize == 8
            if self.integer:
                self.exact = self.n == 0 or bool(
                    abs(int(values.min())) <= EXACT_INT and abs(int(values.max())) <= EXACT_INT
                )
        else:
            self.exact = _plain(values)

    @cached_property
    def series(self) -> pd.Series:
        """The values as the pandas Series evidently's own functions take."""
        import pandas as pd

        return self.values if isinstance(self.values, pd.Series) else pd.Series(self.values)

    # ------------------------------------------------------------------ numeric forms

    @cached_property
    def floats(self) -> np.ndarray:
        """The values as a C-contiguous float64 array, in file order."""
        import numpy as np

        values = self.values
        if isinstance(values, np.ndarray):
            return np.ascontiguousarray(values, dtype=np.float64)
        return np.ascontiguousarray(values.to_numpy(dtype=np.float64))

    @cached_property
    def sorted(self) -> np.ndarray:
        import numpy as np

        return np.sort(self.floats)

    @cached_property
    def distinct(self) -> Distinct:
        return distinct(self.sorted)

    @property
    def low(self) -> Any:
        """The smallest value, typed as numpy sees it (int64 or float64)."""
        return self._typed(self.sorted[0])

    @property
    def high(self) -> Any:
        return self._typed(self.sorted[-1])

    def _typed(self, value: float) -> Any:
        import numpy as np

        return np.int64(int(value)) if self.integer else np.float64(value)

    # ------------------------------------------------------------------ categorical forms

    @cached_property
    def unique(self) -> Any:
        """``series.unique()``: the distinct values in order of appearance (numpy scalars)."""
        return self.series.unique()

    @cached_property
    def key_set(self) -> set[Any]:
        """``set(series.unique())``, built the way evidently builds it (same order inside)."""
        return set(self.unique)

    @cached_property
    def counts(self) -> dict[Any, int]:
        """``dict(series.value_counts())``, as evidently's count-based tests build it."""
        return dict(self.series.value_counts())

    @cached_property
    def nunique(self) -> int:
        """``series.nunique()`` (for exact numbers: the distinct values of the sorted array)."""
        if self.numeric and self.exact:
            return len(self.distinct.values)
        return int(self.series.nunique())

    def union_count(self, other: Sample) -> int:
        """Distinct values of both samples together (``pd.concat([...]).nunique()``)."""
        import numpy as np

        if self.numeric and other.numeric:
            mine = self.distinct.values
            theirs = other.distinct.values
            at = np.searchsorted(mine, theirs)
            inside = at < len(mine)
            known = np.zeros(len(theirs), dtype=bool)
            known[inside] = mine[at[inside]] == theirs[inside]
            return len(mine) + int((~known).sum())
        return len(self.key_set | set(other.unique))


def _plain(series: pd.Series) -> bool:
    import pandas as pd

    return str(pd.api.types.infer_dtype(series, skipna=True)) in _PLAIN_TYPES

"""hypothesis strategies for generated frames.

A frame is two parts, drawn in this order:

1. *bulk* rows (50% of examples): a row count drawn by hypothesis, filled from a numpy
   generator seeded by a hypothesis-drawn integer, uniformly inside each column's bounds.
   They make frames as large as ``rows.max`` cheaply. Shrinking lowers the count (an
   integer shrinks fast) and turns the bulk off.
2. *explored* rows: a hypothesis list of rows whose cells come from hypothesis' own
   strategies, biased to edge values (bounds, 0, empty text, null). Lists shrink well (rows
   are deleted one by one), which is what makes counterexamples small.

A frame without bulk still has at least one explored row; the rows ``rows.min`` asks for
beyond the explored ones are numpy rows of the same seeded generator. Forcing ``rows.min``
explored rows instead made hypothesis shrink every cell of them one by one: with
``rows.min: 5`` and ten columns, about 170 calls and 2 s per counterexample, with
``rows.min: 20`` about 750 calls and 16 s; hypothesis now deletes the explored rows it does
not need and ``polish`` simplifies the numpy rows at a few milliseconds a call. Only when
numpy rows collide (a narrow ``unique`` column, few distinct rows) does hypothesis draw
all ``rows.min`` rows.

A single ``lists(min_size=n, max_size=n)`` of large frames shrinks very slowly (hypothesis
must lower ``n`` and delete rows in the same step): measured 25-100 s for one 100-row
counterexample, against well under a second for this design.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter
from typing import TYPE_CHECKING, Any

from closeout.kinds.synthetic.columns import Column, Rows
from closeout.kinds.synthetic.frames import Generated, frame_from_rows
from closeout.kinds.synthetic.values import DATETIME_RANGE, INT64_RANGE, coerce, is_null, row_key

if TYPE_CHECKING:
    import numpy as np
    from hypothesis.strategies import SearchStrategy

# Open bounds: hypothesis explores the whole type; bulk rows stay in this span around them.
BULK_SPAN = 1e6
DEFAULT_DATETIME = (946_684_800, 1_893_456_000)  # 2000-01-01 .. 2030-01-01, epoch seconds
NULL_SHARE = 0.1  # share of null cells in bulk rows of a nullable column


@dataclass
class Timers:
    """Seconds spent in closeout's own work during a search (the rest is hypothesis)."""

    build: float = 0.0  # canonical cells -> pandas frames, fault injection
    subject: float = 0.0  # the user's function and check callables
    properties: float = 0.0  # closeout's property checks

    def add(self, name: str, seconds: float) -> None:
        setattr(self, name, getattr(self, name) + seconds)


def element(column: Column) -> SearchStrategy[Any]:
    """Canonical cells of one column (see ``values``)."""
    from hypothesis import strategies as st

    if column.values is not None and column.dtype != "datetime":
        values = list(column.values)
        if column.dtype == "float":
            values = [float(v) for v in values]
        base: SearchStrategy[Any] = st.sampled_from(values)
    elif column.dtype == "float":
        base = st.floats(
            column.bound("min"), column.bound("max"), allow_nan=False, allow_infinity=False
        )
    elif column.dtype == "int":
        low, high = _int_bounds(column, INT64_RANGE)
        base = st.integers(low, high)
    elif column.dtype == "bool":
        base = st.booleans()
    elif column.dtype == "datetime" and column.values:
        base = st.sampled_from(_datetime_values(column))
    elif column.dtype == "datetime":
        low, high = datetime_bounds(column)
        base = st.integers(low, high).map(lambda seconds: seconds * 1_000_000_000)
    else:
        base = st.text(min_size=column.min_length, max_size=column.max_length)
    if column.nulls:
        return base | st.just(math.nan if column.dtype == "float" else None)
    return base


def _int_bounds(column: Column, default: tuple[float, float]) -> tuple[int, int]:
    low, high = column.bound("min"), column.bound("max")
    return int(default[0] if low is None else low), int(default[1] if high is None else high)


def datetime_bounds(column: Column) -> tuple[int, int]:
    low, high = column.bound("min"), column.bound("max")
    if low is None and high is None:
        return DEFAULT_DATETIME
    low = max(DATETIME_RANGE[0] + 1, low if low is not None else (high or 0) - 30 * 365 * 86400)
    high = min(DATETIME_RANGE[1] - 1, high if high is not None else low + 30 * 365 * 86400)
    return math.ceil(low), math.floor(high)


def _datetime_values(column: Column) -> list[int]:
    """The column's datetime ``values`` as epoch nanoseconds."""
    return [coerce("datetime", v) for v in column.values or []]


def _bulk_span(column: Column) -> tuple[float, float]:
    low, high = column.bound("min"), column.bound("max")
    if low is None and high is None:
        return -BULK_SPAN, BULK_SPAN
    if low is None:
        assert high is not None
        return high - BULK_SPAN, high
    return low, low + BULK_SPAN if high is None else high


def bulk_cells(column: Column, rng: np.random.Generator, count: int) -> list[Any]:
    """``count`` canonical cells drawn uniformly inside the column's bounds."""
    import numpy as np

    if column.values is not None and column.dtype != "datetime":
        picked = rng.integers(0, len(column.values), count)
        cells: list[Any] = [column.values[i] for i in picked]
        if column.dtype == "float":
            cells = [float(c) for c in cells]
    elif column.dtype == "float":
        low, high = _bulk_span(column)
        cells = rng.uniform(low, high, count).tolist() if low < high else [low] * count
    elif column.dtype == "int":
        low, high = _bulk_span(column)
        cells = rng.integers(math.ceil(low), math.floor(high), count, endpoint=True).tolist()
    elif column.dtype == "bool":
        cells = (rng.random(count) < 0.5).tolist()
    elif column.dtype == "datetime" and column.values:
        choices = np.array(_datetime_values(column), dtype=np.int64)
        cells = choices[rng.integers(0, len(choices), count)].tolist()
    elif column.dtype == "datetime":
        low, high = datetime_bounds(column)
        seconds = rng.integers(low, high, count, endpoint=True)
        cells = (seconds.astype(np.int64) * 1_000_000_000).tolist()
    else:
        cells = _bulk_text(column, rng, count)
    if column.nulls:
        null = math.nan if column.dtype == "float" else None
        cells = [
            null if missing else cell
            for cell, missing in zip(cells, rng.random(count) < NULL_SHARE, strict=True)
        ]
    return cells


def _bulk_text(column: Column, rng: np.random.Generator, count: int) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    lengths = rng.integers(column.min_length, column.max_length, count, endpoint=True)
    codes = rng.integers(0, len(letters), int(lengths.sum()))
    out, start = [], 0
    for length in lengths.tolist():
        out.append("".join(letters[c] for c in codes[start : start + length]))
        start += length
    return out


# --------------------------------------------------------------------------- frames


def _null_key(cell: Any) -> Any:
    # Nulls never collide for `unique` (pandas counts NaN as a value, we do not).
    return object() if is_null(cell) else cell


def frames(
    columns: dict[str, Column], rows: Rows, timers: Timers, *, distinct_rows: bool = False
) -> SearchStrategy[Generated]:
    """Frames of ``rows.min..rows.max`` rows; ``distinct_rows``: no two rows equal."""
    from hypothesis import strategies as st

    specs = list(columns.values())
    unique_at = [i for i, spec in enumerate(specs) if spec.unique]
    row = st.tuples(*(element(spec) for spec in specs))
    keys = tuple(_unique_key(i) for i in unique_at)
    if distinct_rows:
        keys = (*keys, row_key)

    def explore(draw: Callable[[SearchStrategy[Any]], Any], least: int, most: int) -> Any:
        return draw(st.lists(row, min_size=least, max_size=most, unique_by=keys or None))

    @st.composite
    def draw_frame(draw: Callable[[SearchStrategy[Any]], Any]) -> Generated:
        bulk = draw(st.integers(1, rows.max)) if rows.max and draw(st.booleans()) else 0
        explored = explore(draw, min(1, max(0, rows.min - bulk)), rows.max - bulk)
        filled = bulk + max(0, rows.min - bulk - len(explored))
        seed = draw(st.integers(0, 2**32 - 1)) if filled else 0
        started = perf_counter()
        kept = _dedupe(_assemble(specs, explored, filled, seed), unique_at, distinct_rows)
        if len(kept) < rows.min:
            # numpy rows collided (a narrow unique column, few distinct rows): hypothesis
            # draws every row, unique by construction
            timers.add("build", perf_counter() - started)
            kept = explore(draw, rows.min, rows.max)
            started = perf_counter()
        frame = frame_from_rows(columns, kept)
        timers.add("build", perf_counter() - started)
        return Generated(frame, kept)

    return draw_frame()


def _unique_key(index: int) -> Callable[[tuple[Any, ...]], Any]:
    return lambda row: _null_key(row[index])


def _assemble(
    specs: list[Column], explored: list[tuple[Any, ...]], bulk: int, seed: int
) -> list[tuple[Any, ...]]:
    if not bulk:
        return list(explored)
    import numpy as np

    rng = np.random.default_rng(seed)
    columns = [bulk_cells(spec, rng, bulk) for spec in specs]
    return list(explored) + list(zip(*columns, strict=True))


def _dedupe(
    rows: list[tuple[Any, ...]], unique_at: list[int], distinct_rows: bool
) -> list[tuple[Any, ...]]:
    """Drop bulk rows that break ``unique`` or row distinctness (explored rows never do)."""
    if not unique_at and not distinct_rows:
        return rows
    seen: list[set[Any]] = [set() for _ in unique_at]
    seen_rows: set[tuple[Any, ...]] = set()
    kept = []
    for row in rows:
        values = [row[i] for i in unique_at]
        if any(v in s for v, s in zip(values, seen, strict=True) if not is_null(v)):
            continue
        key = row_key(row)
        if distinct_rows and key in seen_rows:
            continue
        for value, bucket in zip(values, seen, strict=True):
            if not is_null(value):
                bucket.add(value)
        seen_rows.add(key)
        kept.append(row)
    return kept

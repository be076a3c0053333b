"""A last, deterministic shrink of a generated counterexample, after hypothesis' own.

hypothesis shrinks the rows it drew itself very well, but not the bulk rows a numpy
generator filled (see ``strategies``): a failure found in bulk rows can come back with extra
rows and arbitrary values. This pass deletes rows (halves, quarters, ..., single rows) and
then replaces cells with their column's simplest value (0, the lower bound, the first of
``values``, empty text, false), keeping each change only when the same expectation still
fails and the frame is still one the columns could have generated (bounds, ``unique``,
distinct rows, ``rows.min``). It is bounded by a number of calls, not by time, so it is
reproducible.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from closeout.kinds.synthetic.columns import Column, Rows
from closeout.kinds.synthetic.failure import Found
from closeout.kinds.synthetic.frames import Generated, Row
from closeout.kinds.synthetic.strategies import datetime_bounds
from closeout.kinds.synthetic.values import coerce, is_null, row_key

POLISH_CALLS = 400
Attempt = Callable[[list[Row], list[int]], Found | None]


def simplest(column: Column) -> Any:
    """The simplest cell a column can generate (what a person would write in a test)."""
    if column.values is not None and column.dtype != "datetime":
        return float(column.values[0]) if column.dtype == "float" else column.values[0]
    if column.dtype == "bool":
        return False
    if column.dtype == "str":
        return "a" * column.min_length
    if column.dtype == "datetime":
        if column.values:
            return coerce("datetime", column.values[0])
        return datetime_bounds(column)[0] * 1_000_000_000
    low, high = column.bound("min"), column.bound("max")
    nearest_zero = 0.0  # 0 when the range holds it, else the bound nearest to it
    if low is not None and low > 0:
        nearest_zero = low
    elif high is not None and high < 0:
        nearest_zero = high
    return nearest_zero if column.dtype == "float" else int(nearest_zero)


class Polisher:
    """Row deletion, then cell simplification, within a budget of calls."""

    def __init__(
        self,
        columns: dict[str, Column],
        rows: Rows,
        distinct: bool,
        attempt: Attempt,
        *,
        edge_case: bool = False,
    ) -> None:
        self.specs = list(columns.values())
        # An edge case is the incident's own data: only whole rows are removed, never
        # changed, and the column specs (bounds, unique, rows.min) do not bind it.
        self.edge_case = edge_case
        self.min_rows = 1 if edge_case else rows.min
        self.distinct = distinct
        self.attempt = attempt
        self.calls = 0
        self.kept: list[int] = []

    def polish(self, rows: list[Row], found: Found) -> Found:
        """The smallest failing frame found; ``kept`` holds its rows' original positions."""
        self.best = found
        indexed = list(enumerate(rows))
        self.kept = [index for index, _ in indexed]
        indexed = self._delete_rows(indexed)
        if not self.edge_case:
            self._simplify_cells(indexed)
        return self.best

    def _try(self, candidate: list[tuple[int, Row]]) -> bool:
        if self.calls >= POLISH_CALLS or not self._valid([row for _, row in candidate]):
            return False
        self.calls += 1
        indexes = [index for index, _ in candidate]
        found = self.attempt([row for _, row in candidate], indexes)
        if found is None:
            return False
        self.best, self.kept = found, indexes
        return True

    def _valid(self, rows: list[Row]) -> bool:
        if len(rows) < self.min_rows:
            return False
        if self.edge_case:
            return True
        for position, spec in enumerate(self.specs):
            if spec.unique:
                values = [r[position] for r in rows if not is_null(r[position])]
                if len(set(values)) != len(values):
                    return False
        return not self.distinct or len({row_key(r) for r in rows}) == len(rows)

    def _delete_rows(self, rows: list[tuple[int, Row]]) -> list[tuple[int, Row]]:
        chunk = len(rows) // 2
        while chunk >= 1:
            start = 0
            while start < len(rows):
                candidate = rows[:start] + rows[start + chunk :]
                if not self._try(candidate):
                    start += chunk
                else:
                    rows = candidate
            chunk //= 2
        return rows

    def _simplify_cells(self, rows: list[tuple[int, Row]]) -> list[tuple[int, Row]]:
        for position, spec in enumerate(self.specs):
            simple = simplest(spec)
            targets = [i for i, (_, row) in enumerate(rows) if not _same(row[position], simple)]
            if not targets:
                continue
            whole = [_with(item, position, simple) for item in rows]
            if not spec.unique and len(targets) > 1 and self._try(whole):
                rows = whole
                continue
            for i in targets:
                rows = self._simplify_cell(rows, i, position, spec, simple)
        return rows

    def _simplify_cell(
        self, rows: list[tuple[int, Row]], i: int, position: int, spec: Column, simple: Any
    ) -> list[tuple[int, Row]]:
        """The simplest value if it still fails, else the failing number nearest to it."""
        candidate = list(rows)
        candidate[i] = _with(rows[i], position, simple)
        if self._try(candidate):
            return candidate
        cell = rows[i][1][position]
        if (
            spec.values is not None
            or is_null(cell)
            or spec.dtype not in ("int", "float", "datetime")
        ):
            return rows
        step = 1_000_000_000 if spec.dtype == "datetime" else 1
        # Bisect between the simplest value (passes) and the cell (fails) on whole numbers
        # (whole seconds for datetimes): 93 becomes 91 when the bug starts above 90.
        passing, failing = int(simple) // step, _whole(cell, step)
        if failing is None:
            return rows
        convert = (lambda n: float(n)) if spec.dtype == "float" else (lambda n: n * step)
        if spec.dtype == "float" and not _inside(spec, float(failing)):
            return rows
        if spec.dtype == "float" and float(failing) != cell:
            candidate[i] = _with(rows[i], position, float(failing))
            if not self._try(candidate):
                return rows
            rows = candidate
        while abs(failing - passing) > 1:
            middle = (passing + failing) // 2
            candidate = list(rows)
            candidate[i] = _with(rows[i], position, convert(middle))
            if self._try(candidate):
                rows, failing = candidate, middle
            else:
                passing = middle
        return rows


def _inside(spec: Column, value: float) -> bool:
    low, high = spec.bound("min"), spec.bound("max")
    return (low is None or value >= low) and (high is None or value <= high)


def _whole(cell: Any, step: int) -> int | None:
    if isinstance(cell, float):
        return round(cell) if math.isfinite(cell) and abs(cell) < 2**53 else None
    return int(cell) // step if step > 1 else int(cell)


def _with(item: tuple[int, Row], position: int, value: Any) -> tuple[int, Row]:
    index, row = item
    return index, (*row[:position], value, *row[position + 1 :])


def _same(cell: Any, simple: Any) -> bool:
    return not is_null(cell) and type(cell) is type(simple) and cell == simple


def polish(
    found: Found,
    generated: Any,
    columns: dict[str, Column],
    rows: Rows,
    distinct: bool,
    attempt: Attempt,
) -> tuple[Found, int]:
    """Polish a counterexample drawn by hypothesis or taken from an edge case.

    Returns the polished failure and the number of calls spent. An edge case keeps its
    label, and ``extra.edge_case_rows`` says which of its rows remain.
    """
    if found.flaky or not isinstance(generated, Generated):
        return found, 0
    edge_case = found.source != "generated"
    polisher = Polisher(columns, rows, distinct, attempt, edge_case=edge_case)
    best = polisher.polish(generated.rows, found)
    if edge_case:
        best.source = found.source
        best.extra["edge_case_rows"] = polisher.kept
        best.extra["edge_case_size"] = len(generated.rows)
    return best, polisher.calls

"""A folder or glob of Parquet files (or one large file), streamed a window at a time.

Before any data is read, each file's footer gives its schema and, per row group, the row count
and the timestamp column's minimum and maximum (Parquet statistics; a row group without them,
or with text timestamps, has its timestamp column read and parsed once). A window then reads
only the row groups whose time range meets it, only the monitored columns, and keeps the rows
inside ``[start, end)`` in file order; a row group spanning several windows is decoded once
and kept until the windows move past it. Hive partition folders (``region=EU/``) add their
keys as constant columns (any ``key=value`` folder on the file's path, as pyarrow reads them).

Every file must agree on the columns the replay reads: a column missing from one partition,
or holding text where the others hold numbers, or a timestamp column of another type, is a
``DataError`` naming that file and the one it disagrees with, located at the scenario line
of the source (``replay.yaml:4: current: <file>: ...``).
"""

from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from closeout._time import format_duration_ms, from_ms, iso_z
from closeout.errors import DataError
from closeout.kind import RunContext
from closeout.kinds._toolkit.data import parse_timestamps
from closeout.kinds.drift_replay.arrow import (
    arrow_kind,
    arrow_ms,
    hive_partitions,
    statistics_range,
)
from closeout.kinds.drift_replay.data import KIND_WORDS, ColumnKind, cast
from closeout.kinds.drift_replay.source import Source, errors_located, memory_budget, mib
from closeout.kinds.drift_replay.windows import Window, plan
from closeout.models import suggest

if TYPE_CHECKING:
    import numpy as np

# Bytes per value once in pandas: numbers 8, text a pointer plus a Python string.
_NUMBER_BYTES, _TEXT_BYTES = 8, 64
# Decoded data and its pandas copy coexist for a moment while a row group is read.
_READ_OVERHEAD = 2


@dataclass(frozen=True)
class Decoded:
    """A row group as read: the monitored columns, and its timestamps in epoch ms."""

    values: dict[str, Any]
    times: np.ndarray
    ordered: bool  # timestamps never decrease: a window is a slice of the row group
    high: int


@dataclass(frozen=True)
class Group:
    """One row group of one file, with its time range (epoch ms, inclusive)."""

    file: int
    index: int
    rows: int
    low: int
    high: int


class ParquetSource(Source):
    """Parquet files read by row group, a window at a time."""

    noun = "dataset"

    def __init__(
        self, context: RunContext, files: list[Path], relative: str, role: str, base: Path | None
    ) -> None:
        self.role = role
        self.display = relative
        self._context = context
        self._files = files
        self._shown = [context.project.display(f) for f in files]
        self._partitions = [hive_partitions(f, base) for f in files]
        with errors_located(context, role):
            self._schemas = [self._schema(i) for i in range(len(files))]
        self._pid = os.getpid()
        self._handles: dict[int, Any] = {}
        self._groups: list[Group] = []
        self._timestamp = ""
        self._cache: OrderedDict[tuple[int, int], Decoded] = OrderedDict()
        self._checked: set[str] = set()

    # ------------------------------------------------------------------ schema

    def _schema(self, index: int) -> Any:
        import pyarrow.parquet as pq

        try:
            return pq.read_schema(self._files[index])
        except (OSError, ValueError) as exc:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise DataError(f"{self._shown[index]}: cannot read parquet: {message}") from None

    def _fields(self, index: int) -> list[str]:
        schema = self._schemas[index]
        metadata = schema.pandas_metadata or {}
        hidden = {c for c in metadata.get("index_columns", []) if isinstance(c, str)}
        return [name for name in schema.names if name not in hidden]

    def names(self) -> list[str]:
        fields = self._fields(0)
        return fields + [k for k in self._partitions[0] if k not in fields]

    def _type(self, index: int, column: str) -> Any:
        """The column's Arrow type in one file (a partition key's inferred type), or None."""
        import pyarrow as pa

        schema = self._schemas[index]
        if column in schema.names:
            return schema.field(column).type
        value = self._partitions[index].get(column)
        if value is None:
            return None
        return pa.int64() if value.lstrip("-").isdigit() else pa.string()

    def kind(self, column: str) -> ColumnKind | None:
        if column not in self._checked:
            with errors_located(self._context, self.role):
                self._agree(column)
            self._checked.add(column)
        return arrow_kind(self._type(self._typed(column), column))

    def _typed(self, column: str) -> int:
        """The first file where ``column`` has a type of its own: pandas writes a column
        that is empty in one partition with Arrow's ``null`` type, which fits any kind."""
        import pyarrow as pa

        for index in range(len(self._files)):
            found = self._type(index, column)
            if found is not None and not pa.types.is_null(found):
                return index
        return 0

    def _agree(self, column: str) -> None:
        """Every file holds ``column``, of the same kind as the first typed file's."""
        import pyarrow as pa

        def word(data_type: Any) -> str:
            kind = arrow_kind(data_type)
            return KIND_WORDS[kind] if kind is not None else "dates or durations"

        typed = self._typed(column)
        first = self._type(typed, column)
        for index in range(len(self._files)):
            found = self._type(index, column)
            if found is not None and pa.types.is_null(found):
                continue  # no value in this file: nothing to disagree with
            if found is None:
                raise DataError(
                    f"{self._shown[index]}: no column '{column}'"
                    f"{suggest(column, self._fields(index))} (it is in {self._shown[typed]}): "
                    f"the files of {self.role} '{self.display}' have different schemas"
                )
            if word(found) != word(first):
                raise DataError(
                    f"{self._shown[index]}: column '{column}' is {word(found)} ({found}) here "
                    f"but {word(first)} ({first}) in {self._shown[typed]}: the files of "
                    f"{self.role} '{self.display}' have different schemas"
                )

    # ------------------------------------------------------------------ time index

    def windows(self, timestamp: str, window_ms: int) -> list[Window]:
        with errors_located(self._context, self.role):
            return self._windows(timestamp, window_ms)

    def _windows(self, timestamp: str, window_ms: int) -> list[Window]:
        self._timestamp = timestamp
        for index in range(len(self._files)):
            self._check_timestamp(index, timestamp)
        self._groups = [g for i in range(len(self._files)) for g in self._index(i)]
        if not self._groups:
            raise DataError(f"{self.display}: the {self.noun} has no rows")
        first = min(g.low for g in self._groups)
        last = max(g.high for g in self._groups)
        return plan(first, last, window_ms, self.display)

    def _check_timestamp(self, index: int, timestamp: str) -> None:
        import pyarrow as pa

        found = self._type(index, timestamp)
        if found is None:
            columns = self._fields(index)
            raise DataError(
                f"{self._shown[index]}: no column '{timestamp}'{suggest(timestamp, columns)}; "
                f"columns are: {', '.join(columns)}"
            )
        if timestamp not in self._schemas[index].names:
            raise DataError(
                f"{self._shown[index]}: '{timestamp}' is a folder name (a hive partition key), "
                "not a column of the file: windows are cut on a timestamp column"
            )
        textual = pa.types.is_string(found) or pa.types.is_large_string(found)
        if pa.types.is_timestamp(found) or pa.types.is_date(found) or textual:
            return
        what = "numbers" if arrow_kind(found) == "num" else str(found)
        others = f" (in {self._shown[0]} it holds {self._type(0, timestamp)})" if index else ""
        raise DataError(
            f"{self._shown[index]}: column '{timestamp}' holds {what}, not timestamps{others}: "
            "write ISO 8601 times such as 2025-07-01T22:00:00Z"
        )

    def _index(self, index: int) -> list[Group]:
        metadata = self._handle(index).metadata
        data_type = self._type(index, self._timestamp)
        position = self._schemas[index].names.index(self._timestamp)
        groups = []
        for number in range(metadata.num_row_groups):
            row_group = metadata.row_group(number)
            if row_group.num_rows == 0:
                continue
            bounds = statistics_range(row_group.column(position), data_type)
            if bounds is None:
                times = self._times(index, number)
                bounds = int(times.min()), int(times.max())
            groups.append(Group(index, number, row_group.num_rows, *bounds))
        return groups

    def _times(self, index: int, number: int) -> np.ndarray:
        """A row group's timestamps in epoch ms, parsed as closeout parses timestamps."""
        table = self._handle(index).read_row_group(number, columns=[self._timestamp])
        frame = table.to_pandas()
        shown = f"{self._shown[index]} (row group {number})"
        return parse_timestamps(frame, self._timestamp, shown)

    def _handle(self, index: int) -> Any:
        import pyarrow.parquet as pq

        if os.getpid() != self._pid:  # a worker process: open its own files
            self._pid, self._handles = os.getpid(), {}
            self._cache.clear()
        if index not in self._handles:
            if len(self._handles) >= 64:
                self._handles.pop(next(iter(self._handles)))
            self._handles[index] = pq.ParquetFile(self._files[index])
        return self._handles[index]

    def release(self) -> None:
        self._handles = {}
        self._cache.clear()

    # ------------------------------------------------------------------ reading

    def _row_bytes(self, columns: list[str]) -> int:
        per_row = sum(_NUMBER_BYTES if self.kind(c) == "num" else _TEXT_BYTES for c in columns)
        return (per_row + _NUMBER_BYTES) * _READ_OVERHEAD

    def read_all(self, columns: list[str]) -> dict[str, Any]:
        with errors_located(self._context, self.role):
            return self._read_all(columns)

    def _read_all(self, columns: list[str]) -> dict[str, Any]:
        import numpy as np
        import pandas as pd

        rows = sum(self._handle(i).metadata.num_rows for i in range(len(self._files)))
        self._guard(rows * self._row_bytes(columns), f"reading all of {self.display}", None)
        parts: dict[str, list[Any]] = {name: [] for name in columns}
        for index in range(len(self._files)):
            table = self._handle(index).read(columns=self._stored(index, columns))
            for name in columns:
                parts[name].append(self._column(index, table, name))
        return {
            name: pd.Series(np.concatenate(values) if values else [], name=name)
            for name, values in parts.items()
        }

    def _stored(self, index: int, columns: list[str]) -> list[str]:
        return [c for c in columns if c in self._schemas[index].names]

    def _column(self, index: int, table: Any, name: str) -> np.ndarray:
        import numpy as np
        import pyarrow as pa

        if name in table.column_names:
            column = table.column(name)
            if pa.types.is_null(column.type):  # empty in this file (see _typed)
                dtype = float if self.kind(name) == "num" else object
                return np.full(table.num_rows, np.nan, dtype=dtype)
            plain = pa.types.is_floating(column.type) or (
                pa.types.is_integer(column.type) and not column.null_count
            )
            if plain:  # what pandas would hold, without going through pandas
                numbers: np.ndarray = column.to_numpy()
                return numbers
            values: np.ndarray = cast(column.to_pandas()).to_numpy()
            return values
        value = self._partitions[index][name]
        if self.kind(name) == "num":
            return np.full(table.num_rows, int(value), dtype=np.int64)
        return np.full(table.num_rows, value, dtype=object)

    def read(self, columns: list[str], window: Window) -> tuple[int, dict[str, Any]]:
        with errors_located(self._context, self.role):
            return self._read(columns, window)

    def _read(self, columns: list[str], window: Window) -> tuple[int, dict[str, Any]]:
        import numpy as np

        meeting = [g for g in self._groups if g.low < window.end and g.high >= window.start]
        pending = sum(g.rows for g in meeting if (g.file, g.index) not in self._cache)
        self._guard(pending * self._row_bytes(columns), "reading this window", window)
        parts: dict[str, list[Any]] = {name: [] for name in columns}
        count = 0
        for group in meeting:
            decoded = self._group(group, columns)
            rows = _rows_in(decoded, group, window)
            count += _count(rows, group.rows)
            for name in columns:
                values = decoded.values[name]
                parts[name].append(values if rows is None else values[rows])
        for key in [k for k, found in self._cache.items() if found.high < window.end]:
            del self._cache[key]  # later windows start at or after this one's end
        empty = np.empty(0)
        return count, {n: np.concatenate(v) if v else empty for n, v in parts.items()}

    def _group(self, group: Group, columns: list[str]) -> Decoded:
        import numpy as np

        key = (group.file, group.index)
        if key not in self._cache:
            handle = self._handle(group.file)
            wanted = self._stored(group.file, columns)
            table = handle.read_row_group(group.index, columns=[*wanted, self._timestamp])
            values = {name: self._column(group.file, table, name) for name in columns}
            times = self._times_of(group, table)
            ordered = bool(np.all(times[1:] >= times[:-1]))
            self._cache[key] = Decoded(values, times, ordered, group.high)
        return self._cache[key]

    def _times_of(self, group: Group, table: Any) -> np.ndarray:
        import numpy as np

        column = table.column(self._timestamp)
        converted = arrow_ms(column)
        if converted is not None:
            return converted
        frame = column.to_pandas().to_frame(self._timestamp)
        shown = f"{self._shown[group.file]} (row group {group.index})"
        return np.asarray(parse_timestamps(frame, self._timestamp, shown))

    def _guard(self, needed: int, what: str, window: Window | None) -> None:
        budget = memory_budget()
        if needed <= budget:
            return
        if window is None:
            raise DataError(
                f"{self.display}: {what} needs about {mib(needed)} of memory, more than the "
                f"{mib(budget)} available: sample it (e.g. a DuckDB query with `using sample`)"
            )
        length = window.end - window.start
        raise DataError(
            f"{self.display}: the window {iso_z(from_ms(window.start))} - "
            f"{iso_z(from_ms(window.end))} needs about {mib(needed)} of memory to read, more "
            f"than the {mib(budget)} available: use a smaller window (window: "
            f"{format_duration_ms(max(length // 4, 1000))}), or write the files with smaller "
            "row groups if one row group alone is this large"
        )


def _count(rows: slice | np.ndarray | None, total: int) -> int:
    if rows is None:
        return total
    if isinstance(rows, slice):
        return int(rows.stop) - int(rows.start)
    return len(rows)


def _rows_in(decoded: Decoded, group: Group, window: Window) -> slice | np.ndarray | None:
    """The rows of a row group inside the window: None (all), a slice, or positions."""
    import numpy as np

    if group.low >= window.start and group.high < window.end:
        return None
    times = decoded.times
    if decoded.ordered:
        low, high = np.searchsorted(times, [window.start, window.end], side="left")
        return slice(int(low), int(high))
    return np.flatnonzero((times >= window.start) & (times < window.end))

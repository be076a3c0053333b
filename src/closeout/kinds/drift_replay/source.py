"""A drift replay's data sources (SPEC §4.1, §12): what each one answers, read whole or by window.

A scenario's ``reference``, ``current`` and ``control`` each name a *source*:

- a CSV or Parquet file: read whole into memory (``FrameSource``) when it is small, which is
  fastest; a Parquet file larger than ``IN_MEMORY_BYTES`` is streamed like a dataset;
- a folder or glob of Parquet files, hive partitions allowed (``parquet.ParquetSource``);
- ``{duckdb: file, query: "select ..."}`` (``duck.DuckDBSource``).

Streamed sources read one window at a time, only the monitored columns, with the window's
time range pushed into the read (Parquet row-group statistics, a DuckDB ``where``): peak
memory is the reference plus one window. Every source answers the same questions
(``Source``): its columns and their kinds, the windows of a period, one window's rows, and
all rows of some columns (for the reference). Problems are ``DataError``s naming the file,
and for the new source forms also the scenario line (``located``). ``sources.open_source``
picks the source a scenario field names.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from closeout import _yaml
from closeout.errors import DataError
from closeout.kind import RunContext
from closeout.kinds._toolkit.data import parse_timestamps
from closeout.kinds.drift_replay.data import ColumnKind, Table, column_kind
from closeout.kinds.drift_replay.windows import Window, cut

if TYPE_CHECKING:
    import numpy as np

# Share of the memory the machine has available that one replay may use for data.
MEMORY_SHARE = 0.5
_FALLBACK_BUDGET = 2 * 2**30


def memory_budget() -> int:
    """Bytes of data one replay may hold: a share of the memory available right now."""
    try:
        with open("/proc/meminfo", encoding="ascii") as stream:
            for line in stream:
                if line.startswith("MemAvailable:"):
                    return int(int(line.split()[1]) * 1024 * MEMORY_SHARE)
    except OSError:
        pass
    return _FALLBACK_BUDGET


def mib(size: float) -> str:
    return f"{size / 2**20:,.0f} MiB" if size >= 2**20 else f"{size / 1024:,.1f} KiB"


def located(context: RunContext, where: tuple[str | int, ...], message: str) -> DataError:
    """A DataError naming the scenario line of ``where`` (``file:line: field: message``)."""
    display = context.scenario_display
    line = 0
    try:
        raw = _yaml.load_file(context.project.root / display, display)
    except Exception:  # the scenario was read moments ago; a line is a courtesy
        raw = None
    node: Any = raw
    for part in where:
        if isinstance(node, _yaml.LineDict) and str(part) in node:
            line, node = node.line_of(str(part)), node[str(part)]
        else:
            break
    field = ".".join(str(p) for p in where)
    prefix = f"{display}:{line}" if line else display
    return DataError(f"{prefix}: {field}: {message}")


@contextmanager
def errors_located(context: RunContext, role: str) -> Iterator[None]:
    """DataErrors raised inside located at the scenario line of ``role`` (``current: ...``),
    unless they already name a scenario line (e.g. ``current.query``)."""
    try:
        yield
    except DataError as exc:
        message = str(exc)
        if message.startswith(f"{context.scenario_display}:"):
            raise
        raise located(context, (role,), message) from None


class Source(ABC):
    """One of a scenario's data sources (reference, current or control)."""

    role: str
    display: str
    noun: str  # "file", "dataset" or "query": what messages call it

    @abstractmethod
    def names(self) -> list[str]:
        """The columns, in order."""

    @abstractmethod
    def kind(self, column: str) -> ColumnKind | None:
        """A column's kind (numeric, categorical, or None for dates) without reading it."""

    def empty(self, column: str) -> bool | None:
        """Whether every cell of the column is empty; None when only reading all tells."""
        return None

    @abstractmethod
    def read_all(self, columns: list[str]) -> dict[str, Any]:
        """Every row of these columns (the reference), cast for drift tests."""

    @abstractmethod
    def windows(self, timestamp: str, window_ms: int) -> list[Window]:
        """The period's windows (bounds; counts when known without reading)."""

    @abstractmethod
    def read(self, columns: list[str], window: Window) -> tuple[int, dict[str, Any]]:
        """One window's row count and its rows of these columns, in file order."""

    @abstractmethod
    def release(self) -> None:
        """Close open handles (before worker processes fork; they reopen their own)."""

    @property
    def streamed(self) -> bool:
        return True


class FrameSource(Source):
    """A CSV or Parquet file read whole: windows are row positions in the frame."""

    noun = "file"

    def __init__(self, table: Table) -> None:
        self.table = table
        self.role = table.role
        self.display = table.display
        self._rows: list[slice | np.ndarray] = []
        self._values: dict[str, Any] = {}

    @property
    def streamed(self) -> bool:
        return False

    def names(self) -> list[str]:
        return [str(c) for c in self.table.frame.columns]

    def kind(self, column: str) -> ColumnKind | None:
        return column_kind(self.table.column(column))

    def empty(self, column: str) -> bool | None:
        return bool(self.table.column(column).isna().all())

    def read_all(self, columns: list[str]) -> dict[str, Any]:
        return {name: self.table.column(name) for name in columns}

    def windows(self, timestamp: str, window_ms: int) -> list[Window]:
        times = parse_timestamps(self.table.frame, timestamp, self.display)
        windows, self._rows = cut(times, window_ms, self.display)
        return windows

    def release(self) -> None:
        """Nothing is open: the frame is in memory (workers share it)."""

    def read(self, columns: list[str], window: Window) -> tuple[int, dict[str, Any]]:
        rows = self._rows[window.index]
        out = {}
        for name in columns:
            if name not in self._values:
                self._values[name] = self.table.column(name).to_numpy()
            out[name] = self._values[name][rows]
        return window.count, out


def cores() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1

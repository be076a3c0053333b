"""Data from a DuckDB database file: ``{duckdb: path/to/file.duckdb, query: "select ..."}``.

The file is opened read-only (several processes may read it at once; nothing is written).
The scenario's query is the data: its result's columns are the source's columns, and each
window runs ``select <columns> from (<query>) where <timestamp> >= start and < end``, so
DuckDB pushes the time range into its scan (zone maps, Parquet statistics) and only one
window's rows of the monitored columns ever reach Python, fetched in batches under the
memory budget. A text timestamp column is cast to ``TIMESTAMPTZ`` (naive times read as UTC,
as everywhere in closeout). DuckDB's own message for a query that fails is reported at the
scenario's ``query`` line.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from closeout._time import format_duration_ms, from_ms, iso_z
from closeout.errors import DataError
from closeout.kind import RunContext
from closeout.kinds.drift_replay.data import ColumnKind, cast
from closeout.kinds.drift_replay.source import (
    Source,
    errors_located,
    located,
    memory_budget,
    mib,
)
from closeout.kinds.drift_replay.spec import DuckDBQuery
from closeout.kinds.drift_replay.windows import Window, plan
from closeout.models import suggest

_BATCH_ROWS = 1 << 16
_NUMERIC: tuple[str, ...] = (
    *("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"),
    *("UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"),
    *("FLOAT", "REAL", "DOUBLE", "DECIMAL"),
)
_TEMPORAL = ("TIMESTAMP", "DATE", "TIME", "INTERVAL")
_TEXT = ("VARCHAR", "STRING", "TEXT")


def duck_kind(type_name: str) -> ColumnKind | None:
    """The drift kind of a DuckDB column type."""
    upper = type_name.upper()
    if upper.startswith(_NUMERIC):
        return "num"
    if upper.startswith(_TEMPORAL):
        return None
    return "cat"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class DuckDBSource(Source):
    """The rows of a query against a DuckDB file, a window at a time."""

    noun = "query"

    def __init__(self, context: RunContext, source: DuckDBQuery, role: str) -> None:
        self.role = role
        self.display = f"{source.duckdb} (query)"
        self._context = context
        self._query = source.query.strip().rstrip(";")
        try:
            self._path = context.project.resolve_inside(source.duckdb)
        except ValueError as exc:
            raise located(context, (role, "duckdb"), str(exc)) from None
        if not self._path.is_file():
            raise located(context, (role, "duckdb"), f"DuckDB file '{source.duckdb}' not found")
        self._pid = 0
        self._connection: Any = None
        try:
            relation = self._run(f"select * from ({self._query}) as closeout_query limit 0")
            self._columns = [str(c) for c in relation.columns]
            self._types = {c: str(t) for c, t in zip(self._columns, relation.types, strict=True)}
        except BaseException:
            self.release()  # a failing query leaves no connection open behind it
            raise
        self._filter = ""
        self._aware = True

    def _connect(self) -> Any:
        import duckdb

        if self._connection is None or self._pid != os.getpid():
            try:
                self._connection = duckdb.connect(str(self._path), read_only=True)
            except duckdb.Error as exc:
                message = str(exc).splitlines()[0]
                raise located(self._context, (self.role, "duckdb"), message) from None
            self._connection.execute("SET TimeZone = 'UTC'")
            self._pid = os.getpid()
        return self._connection

    def _run(self, sql: str, params: list[Any] | None = None) -> Any:
        """A relation for ``sql``; DuckDB's errors become located DataErrors."""
        import duckdb

        try:
            return self._connect().sql(sql, params=params)
        except duckdb.Error as exc:
            raise self._failed(exc) from None

    def _fetch_rows(self, sql: str) -> list[Any]:
        """Every row of ``sql``: DuckDB runs it here (a cast failing on some row fails now),
        and its errors become located DataErrors too."""
        import duckdb

        try:
            rows: list[Any] = self._run(sql).fetchall()
        except duckdb.Error as exc:
            raise self._failed(exc) from None
        return rows

    def _failed(self, exc: Exception) -> DataError:
        message = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
        return located(self._context, (self.role, "query"), f"DuckDB: {message}")

    def release(self) -> None:
        if self._connection is not None and self._pid == os.getpid():
            self._connection.close()
        self._connection = None

    def names(self) -> list[str]:
        return list(self._columns)

    def kind(self, column: str) -> ColumnKind | None:
        return duck_kind(self._types[column])

    # ------------------------------------------------------------------ reading

    def _fetch(self, sql: str, params: list[Any] | None, what: str, window: Window | None) -> Any:
        """The rows of ``sql`` as one Arrow table, fetched in batches under the budget."""
        import duckdb
        import pyarrow as pa

        budget = memory_budget()
        batches, size = [], 0
        try:
            relation = self._run(sql, params)
            # duckdb 1.x names it fetch_record_batch; 2.x to_arrow_reader (and deprecates
            # the old name)
            stream = getattr(relation, "to_arrow_reader", None) or relation.fetch_record_batch
            reader = stream(_BATCH_ROWS)
            for batch in reader:
                batches.append(batch)
                size += batch.nbytes * 2  # Arrow now, pandas next
                if size > budget:
                    raise self._too_large(size, budget, what, window)
        except duckdb.Error as exc:
            raise self._failed(exc) from None
        return pa.Table.from_batches(batches, schema=reader.schema)

    def _too_large(self, size: int, budget: int, what: str, window: Window | None) -> DataError:
        if window is None:
            return DataError(
                f"{self.display}: {what} needs more than {mib(size)} of memory (more than the "
                f"{mib(budget)} available): sample it, e.g. `... using sample 1000000 rows`"
            )
        length = format_duration_ms(max((window.end - window.start) // 4, 1000))
        return DataError(
            f"{self.display}: the window {iso_z(from_ms(window.start))} - "
            f"{iso_z(from_ms(window.end))} needs more than {mib(size)} of memory (more than "
            f"the {mib(budget)} available): use a smaller window (window: {length})"
        )

    def read_all(self, columns: list[str]) -> dict[str, Any]:
        with errors_located(self._context, self.role):
            return self._read_all(columns)

    def _read_all(self, columns: list[str]) -> dict[str, Any]:
        table = self._fetch(
            f"select {self._select(columns)} from ({self._query}) as closeout_query",
            None,
            f"reading all of {self.role}",
            None,
        )
        return {name: cast(table.column(name).to_pandas()) for name in columns}

    def _select(self, columns: list[str]) -> str:
        return ", ".join(_quote(c) for c in columns) if columns else "1 as closeout_none"

    def windows(self, timestamp: str, window_ms: int) -> list[Window]:
        with errors_located(self._context, self.role):
            return self._windows(timestamp, window_ms)

    def _windows(self, timestamp: str, window_ms: int) -> list[Window]:
        if timestamp not in self._types:
            raise DataError(
                f"{self.display}: the query has no column '{timestamp}'"
                f"{suggest(timestamp, self._columns)}; columns are: {', '.join(self._columns)}"
            )
        self._filter = self._time_expression(timestamp)
        epoch = self._filter if self._aware else f"CAST({self._filter} AS TIMESTAMP)"
        (low, high, missing, rows) = self._fetch_rows(
            f"select epoch_ms(min({epoch})), epoch_ms(max({epoch})), "
            f"count(*) - count({self._filter}), count(*) from ({self._query}) as closeout_query"
        )[0]
        if not rows:
            raise DataError(f"{self.display}: the query returns no rows")
        if missing:
            raise DataError(
                f"{self.display}: {missing} row{'s' if missing != 1 else ''} of the query have "
                f"no '{timestamp}' (an empty timestamp)"
            )
        return plan(int(low), int(high), window_ms, self.display)

    def _time_expression(self, timestamp: str) -> str:
        """The timestamp as SQL, comparable with the window bounds passed as parameters."""
        type_name = self._types[timestamp].upper()
        column = _quote(timestamp)
        if type_name.startswith(("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ")):
            self._aware = True
            return column
        if type_name.startswith(("TIMESTAMP", "DATE")):
            self._aware = False  # naive: read as UTC, compared with naive UTC bounds
            return column
        if type_name.startswith(_TEXT):
            self._aware = True
            return f"CAST({column} AS TIMESTAMPTZ)"
        what = "numbers" if duck_kind(type_name) == "num" else type_name
        raise DataError(
            f"{self.display}: column '{timestamp}' holds {what}, not timestamps: return a "
            f"TIMESTAMP (e.g. `to_timestamp({timestamp}) as {timestamp}` for epoch seconds)"
        )

    def read(self, columns: list[str], window: Window) -> tuple[int, dict[str, Any]]:
        with errors_located(self._context, self.role):
            return self._read(columns, window)

    def _read(self, columns: list[str], window: Window) -> tuple[int, dict[str, Any]]:
        bounds = [from_ms(window.start), from_ms(window.end)]
        if not self._aware:
            bounds = [b.astimezone(dt.UTC).replace(tzinfo=None) for b in bounds]
        table = self._fetch(
            f"select {self._select(columns)} from ({self._query}) as closeout_query "
            f"where {self._filter} >= $1 and {self._filter} < $2",
            bounds,
            "reading this window",
            window,
        )
        values = {name: cast(table.column(name).to_pandas()).to_numpy() for name in columns}
        return table.num_rows, values

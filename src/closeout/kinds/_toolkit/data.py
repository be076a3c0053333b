"""The data files scenarios name (CSV or Parquet): lint checks, reading, and parsing columns.

Shared by every kind that reads data files: ``check_data_file`` for lint, ``read_frame`` to
read, ``parse_timestamps`` (the one timestamp-column parser) and ``numeric_values`` to turn
columns into values, all with the same DataError wording; ``dataset_files`` expands a folder
or glob of Parquet files (SPEC §12) into the files it names, for lint, readers and hashing.
pandas and NumPy are imported inside the functions, so lint can use the checks cheaply.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from closeout._io import file_kind
from closeout.errors import DataError, Problem, field_path
from closeout.kind import Locate
from closeout.models import suggest
from closeout.project import Project

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

_READERS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
PARQUET_SUFFIXES = (".parquet", ".pq")
_GLOB_CHARACTERS = frozenset("*?[")


def is_glob(relative: str) -> bool:
    """Whether a data path is a glob pattern (``*``, ``?`` or ``[``) rather than a path."""
    return any(character in _GLOB_CHARACTERS for character in relative)


def dataset_files(project: Project, relative: str) -> list[Path]:
    """The Parquet files a folder or glob names, sorted; ValueError if it leaves the project.

    A folder yields every ``.parquet``/``.pq`` file below it (hive partitions such as
    ``date=2025-07-01/`` included); a glob (``**`` allowed) the Parquet files it matches.
    Files and folders whose names start with ``.`` or ``_`` (``_SUCCESS``, ``_temporary/``,
    ``.part-0.crc``) are bookkeeping of the writer, not data, and are skipped.
    """
    if is_glob(relative):
        if Path(relative).is_absolute():
            raise ValueError(f"'{relative}' is absolute; paths are relative to the project root")
        parts = Path(relative).parts
        fixed = parts[: next(i for i, part in enumerate(parts) if is_glob(part))]
        base = project.resolve_inside(str(Path(*fixed))) if fixed else project.root
        found = [p for p in base.glob(str(Path(*parts[len(fixed) :]))) if p.is_file()]
    else:
        base = project.resolve_inside(relative)
        found = [p for p in base.rglob("*") if p.is_file()] if base.is_dir() else []
    files = []
    for path in found:
        hidden = any(part.startswith((".", "_")) for part in path.relative_to(base).parts)
        if hidden or path.suffix.lower() not in PARQUET_SUFFIXES:
            continue
        resolved = path.resolve()
        if resolved != project.root and project.root not in resolved.parents:
            shown = path.relative_to(project.root).as_posix()
            raise ValueError(f"'{shown}' resolves outside the project root ({resolved})")
        files.append(path)
    return sorted(files)


def header_columns(path: Path) -> list[str] | None:
    """The column names of a CSV (its header line) or Parquet file (its schema), reading no
    data; None when the file cannot be read (lint reports that elsewhere, or at run time).

    A folder or glob of Parquet files is read through its first file: hive partition keys
    (``date=2025-07-01/``) are columns too.
    """
    import csv

    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as handle:
                return next(csv.reader(handle), [])
        if suffix in PARQUET_SUFFIXES:
            import pyarrow.parquet as pq

            return list(pq.read_schema(path).names)
    except (OSError, UnicodeDecodeError, csv.Error, ValueError):
        return None
    except Exception as exc:  # pyarrow's ArrowInvalid and friends: not a readable Parquet file
        if type(exc).__module__.startswith("pyarrow"):
            return None
        raise
    return None


def check_columns(
    project: Project,
    relative: str,
    wanted: list[tuple[str, tuple[str | int, ...]]],
    locate: Locate,
) -> list[Problem]:
    """Lint: each ``(column, where)`` in ``wanted`` is a column of the data ``relative`` names
    (a CSV or Parquet file, or a folder or glob of Parquet files), from its header alone.

    Says nothing when the file cannot be found or read: ``check_data_file`` reports that.
    """
    try:
        if is_glob(relative) or project.resolve_inside(relative).is_dir():
            files = dataset_files(project, relative)
            if not files:
                return []
            first = files[0]
            partitions = [
                part.split("=", 1)[0]
                for part in first.relative_to(project.root).parts[:-1]
                if "=" in part
            ]
        else:
            first, partitions = project.resolve_inside(relative), []
    except ValueError:
        return []
    if not first.is_file():
        return []
    columns = header_columns(first)
    if not columns:  # unreadable or empty: the run says so, with the file's own error
        return []
    columns = [*columns, *partitions]
    return [
        Problem(
            locate(where),
            field_path(where),
            f"no column '{name}' in {relative}{suggest(name, columns)}; "
            f"columns are: {', '.join(columns)}",
        )
        for name, where in wanted
        if name not in columns
    ]


def check_data_file(
    relative: str, where: tuple[str | int, ...], project: Project, locate: Locate
) -> list[Problem]:
    """Lint: a data file resolves inside the project, exists, and is CSV or Parquet."""
    field = field_path(where)
    try:
        path = project.resolve_inside(relative)
    except ValueError as exc:
        return [Problem(locate(where), field, str(exc))]
    if not path.is_file():
        return [Problem(locate(where), field, f"file '{relative}' {_missing(path)}")]
    if path.suffix.lower() not in _READERS:
        message = f"unsupported file type '{path.suffix}' (use .csv or .parquet)"
        return [Problem(locate(where), field, message)]
    return []


def read_frame(path: Path, display: str, *, lean: bool = False) -> pd.DataFrame:
    """Read a CSV or Parquet file; an empty, missing or unreadable file is a DataError.

    ``lean`` reads Parquet one column at a time (about 1.75x the frame's size at peak
    instead of 2.5x for ``pd.read_parquet``); nullable integer columns then arrive as
    float64, which is what the drift tests cast them to anyway.
    """
    import pandas as pd

    fmt = _READERS.get(path.suffix.lower())
    if fmt is None:
        raise DataError(f"{display}: unsupported file type '{path.suffix}' (use .csv or .parquet)")
    if not path.is_file():
        raise DataError(f"{display}: file {_missing(path)}")
    try:
        if fmt == "csv":
            frame = pd.read_csv(path)
        else:
            frame = _read_parquet_lean(path) if lean else pd.read_parquet(path)
    except pd.errors.EmptyDataError:
        raise DataError(f"{display}: the file is empty") from None
    except (ValueError, OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"{display}: cannot read {fmt}: {str(exc).splitlines()[0]}") from None
    if frame.empty:
        raise DataError(f"{display}: the file has no rows")
    return frame


def _read_parquet_lean(path: Path) -> pd.DataFrame:
    import pandas as pd
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    metadata = parquet.schema_arrow.pandas_metadata or {}
    index = {c for c in metadata.get("index_columns", []) if isinstance(c, str)}
    # Each column goes Arrow -> pandas on its own, so only one column is ever held twice.
    columns = {
        name: parquet.read(columns=[name], use_threads=False).column(0).to_pandas()
        for name in parquet.schema_arrow.names
        if name not in index
    }
    return pd.DataFrame(columns, copy=False)


def require_column(frame: pd.DataFrame, column: str, display: str) -> None:
    """A DataError naming the file's columns (and the likely typo) when ``column`` is absent."""
    if column not in frame.columns:
        columns = [str(c) for c in frame.columns]
        raise DataError(
            f"{display}: no column '{column}'{suggest(column, columns)}; "
            f"columns are: {', '.join(columns)}"
        )


def _row_line(display: str, index: int) -> str:
    # CSV: header on line 1, row 0 on line 2; Parquet has no lines, so name the row.
    return (
        f"{display}:{index + 2}" if display.lower().endswith(".csv") else f"{display} row {index}"
    )


def parse_timestamps(frame: pd.DataFrame, column: str, display: str) -> np.ndarray:
    """The one timestamp-column parser: UTC epoch milliseconds as an int64 array.

    Values are ISO 8601 (naive ones are read as UTC; Parquet datetime columns pass as they
    are). A missing column, a column of numbers, an empty cell or an unparsable value is a
    DataError naming the file, and the row when there is one.
    """
    import numpy as np
    import pandas as pd

    require_column(frame, column, display)
    raw = frame[column]
    numeric = pd.api.types.is_numeric_dtype(raw.dtype) or pd.api.types.is_bool_dtype(raw.dtype)
    # An all-empty column reads as float64 too; that is an empty timestamp, not a number.
    if numeric and bool(raw.notna().any()):
        raise DataError(
            f"{display}: column '{column}' holds numbers, not timestamps: write ISO 8601 "
            "times such as 2025-07-01T22:00:00Z"
        )
    try:
        # Nanoseconds, as pandas 2 parses: pandas 3 parses into microseconds and so accepts
        # years (9999) whose nanoseconds overflow; they are unparsable rows on both.
        parsed = pd.to_datetime(raw, utc=True, format="ISO8601").dt.as_unit("ns")
    except (ValueError, TypeError, OverflowError):
        parsed = None
    if parsed is None or parsed.isna().any():
        # Parsing the whole column at once is fast but names no row: find the first bad one.
        _raise_for_first_bad_row(raw, column, display)
        raise DataError(f"{display}: column '{column}': cannot parse timestamps")
    nanoseconds = parsed.astype("int64").to_numpy()
    return np.asarray(nanoseconds // 1_000_000, dtype=np.int64)


def timestamps_ms(frame: pd.DataFrame, column: str, display: str) -> list[int]:
    """``parse_timestamps`` as a list of Python ints."""
    values: list[int] = parse_timestamps(frame, column, display).tolist()
    return values


def _raise_for_first_bad_row(raw: pd.Series, column: str, display: str) -> None:
    """Raise for the first empty cell, else for the first value that does not parse alone."""
    import pandas as pd

    missing = raw.isna()
    if missing.any():
        index = int(missing.to_numpy().nonzero()[0][0])
        raise DataError(f"{_row_line(display, index)}: column '{column}': empty timestamp")
    for index, value in enumerate(raw.tolist()):
        try:
            pd.to_datetime(value, utc=True, format="ISO8601").as_unit("ns")
        except (ValueError, TypeError, OverflowError):
            raise DataError(
                f"{_row_line(display, index)}: column '{column}': cannot parse "
                f"'{value}' as an ISO 8601 timestamp"
            ) from None


def numeric_values(frame: pd.DataFrame, column: str, display: str) -> list[float | None]:
    """A numeric column as floats; empty cells become None; text is a DataError."""
    import pandas as pd

    require_column(frame, column, display)
    raw = frame[column]
    numbers = pd.to_numeric(raw, errors="coerce")
    bad = numbers.isna() & raw.notna()
    if bad.any():
        index = int(bad.to_numpy().nonzero()[0][0])
        raise DataError(
            f"{_row_line(display, index)}: column '{column}': '{raw.iloc[index]}' is not a number"
        )
    return [None if pd.isna(v) else float(v) for v in numbers.tolist()]


def _missing(path: Path) -> str:
    """Why ``path`` is no data file: ``not found``, or what it is instead (a directory, a
    FIFO: saying "not found" for those sends the user looking in the wrong place)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return "not found"
    return f"is a {file_kind(mode)}, not a data file"

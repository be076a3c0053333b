"""Opening the source a scenario field names (SPEC §4.1, §12): a file, a dataset or a query.

A CSV file, or a Parquet file up to ``IN_MEMORY_BYTES`` uncompressed, is read whole
(``source.FrameSource``: fastest for data that fits easily); a larger Parquet file, a folder
or glob of Parquet files and a DuckDB query are streamed a window at a time
(``parquet.ParquetSource``, ``duck.DuckDBSource``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from closeout.errors import DataError
from closeout.kind import RunContext
from closeout.kinds._toolkit.data import dataset_files, is_glob
from closeout.kinds.drift_replay.data import load_table
from closeout.kinds.drift_replay.duck import DuckDBSource
from closeout.kinds.drift_replay.parquet import ParquetSource
from closeout.kinds.drift_replay.source import FrameSource, Source, located

# A single Parquet file up to this size (uncompressed) is read whole; larger ones stream.
IN_MEMORY_BYTES = 256 * 2**20


def open_source(context: RunContext, source: Any, role: str) -> Source:
    """The source a scenario field names: a file, a folder or glob of Parquet, or DuckDB."""
    if not isinstance(source, str):
        return DuckDBSource(context, source, role)
    project = context.project
    if is_glob(source) or _is_folder(context, source):
        try:
            files = dataset_files(project, source)
        except ValueError as exc:
            raise located(context, (role,), str(exc)) from None
        if not files:
            what = f"glob '{source}' matches" if is_glob(source) else f"folder '{source}' holds"
            raise located(context, (role,), f"{what} no Parquet file (.parquet or .pq)")
        return ParquetSource(context, files, source, role, project.root)
    path = _inside(context, source, role)
    if path.suffix.lower() in (".parquet", ".pq") and _parquet_bytes(path) > IN_MEMORY_BYTES:
        return ParquetSource(context, [path], source, role, None)
    return FrameSource(load_table(context.project, source, role))


def _inside(context: RunContext, relative: str, role: str) -> Path:
    try:
        return context.project.resolve_inside(relative)
    except ValueError as exc:
        raise DataError(f"{role}: {exc}") from None


def _is_folder(context: RunContext, relative: str) -> bool:
    try:
        return context.project.resolve_inside(relative).is_dir()
    except ValueError:
        return False


def _parquet_bytes(path: Path) -> int:
    """A Parquet file's uncompressed size from its footer (0 when unreadable: the reader
    then reports the problem in its own words)."""
    try:
        import pyarrow.parquet as pq

        metadata = pq.ParquetFile(path).metadata
    except Exception:
        return 0
    return sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))

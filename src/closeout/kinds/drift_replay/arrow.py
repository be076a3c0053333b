"""Arrow and Parquet details a streamed dataset needs: column kinds, hive partition folders,
and timestamps as epoch milliseconds (from row-group statistics or from the column)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from closeout.kinds.drift_replay.data import ColumnKind

if TYPE_CHECKING:
    import numpy as np

# epoch ms from a timestamp of each unit: (multiply, divide)
TIME_UNITS = {"s": (1000, 1), "ms": (1, 1), "us": (1, 1000), "ns": (1, 1_000_000)}


def hive_partitions(path: Path, base: Path | None) -> dict[str, str]:
    """``key=value`` folder names between ``base`` (the project root) and the file, as
    columns: ``events/date=2025-07-01/*.parquet`` has a ``date`` column like ``events/``."""
    if base is None:
        return {}
    found = {}
    for part in path.relative_to(base).parts[:-1]:
        key, equals, value = part.partition("=")
        if equals and key:
            found[unquote(key)] = unquote(value)
    return found


def arrow_kind(data_type: Any) -> ColumnKind | None:
    """The drift kind of an Arrow type: numbers are numeric, dates none, the rest categorical."""
    import pyarrow as pa

    if pa.types.is_boolean(data_type):
        return "cat"
    if pa.types.is_integer(data_type) or pa.types.is_floating(data_type):
        return "num"
    if pa.types.is_decimal(data_type):
        return "num"
    temporal = (pa.types.is_timestamp, pa.types.is_date, pa.types.is_time, pa.types.is_duration)
    if any(test(data_type) for test in temporal):
        return None
    return "cat"


def arrow_ms(column: Any) -> np.ndarray | None:
    """A timestamp or date column as epoch ms without pandas, or None for other types."""
    import numpy as np
    import pyarrow as pa

    if column.null_count:
        return None  # parse_timestamps names the row with the empty timestamp
    data_type = column.type
    if pa.types.is_timestamp(data_type):
        multiply, divide = TIME_UNITS[data_type.unit]
        raw = column.cast(pa.int64()).to_numpy()
        return np.asarray(raw * multiply // divide, dtype=np.int64)
    if pa.types.is_date32(data_type):
        return np.asarray(column.cast(pa.int32()).to_numpy(), dtype=np.int64) * 86_400_000
    return None


def statistics_range(chunk: Any, data_type: Any) -> tuple[int, int] | None:
    """A row group's timestamp range from its statistics (no nulls, INT64 timestamps or
    INT32 dates); None when the column must be read to know it."""
    import pyarrow as pa

    statistics = chunk.statistics
    if statistics is None or not statistics.has_min_max or statistics.null_count:
        return None
    if pa.types.is_timestamp(data_type) and chunk.physical_type == "INT64":
        multiply, divide = TIME_UNITS[data_type.unit]
        low, high = int(statistics.min_raw), int(statistics.max_raw)
        return low * multiply // divide, high * multiply // divide
    if pa.types.is_date32(data_type) and chunk.physical_type == "INT32":
        return int(statistics.min_raw) * 86_400_000, int(statistics.max_raw) * 86_400_000
    return None

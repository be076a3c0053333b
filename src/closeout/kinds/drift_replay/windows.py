"""Cutting a period into windows ``[t0 + k*window, t0 + (k+1)*window)`` (SPEC §4.1).

``t0`` is the earliest timestamp floored to a multiple of the window (since the Unix epoch,
so hourly windows start on the hour and daily ones at UTC midnight). Rows keep their order
in the file inside a window, so every test sees them as evidently would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from closeout._time import format_duration_ms
from closeout.errors import DataError

if TYPE_CHECKING:
    import numpy as np

MAX_WINDOWS = 200_000


@dataclass(frozen=True)
class Window:
    """One window: its bounds in epoch ms and the positions of its rows in the file."""

    index: int
    start: int
    end: int
    rows: slice | np.ndarray

    @property
    def count(self) -> int:
        if isinstance(self.rows, slice):
            return int(self.rows.stop - self.rows.start)
        return len(self.rows)


def cut(times: np.ndarray, window_ms: int, display: str) -> list[Window]:
    """Every window from the first timestamp's to the last one's, empty ones included."""
    import numpy as np

    if window_ms <= 0:
        raise DataError("window must be longer than 0s")
    t0 = (int(times.min()) // window_ms) * window_ms
    keys = (times - t0) // window_ms
    count = int(keys.max()) + 1
    if count > MAX_WINDOWS:
        raise DataError(
            f"{display}: {count} windows of {format_duration_ms(window_ms)} (more than "
            f"{MAX_WINDOWS}); use a longer window"
        )
    in_order = bool(np.all(keys[1:] >= keys[:-1]))
    order = None if in_order else np.argsort(keys, kind="stable")
    sorted_keys = keys if order is None else keys[order]
    bounds = np.searchsorted(sorted_keys, np.arange(count + 1), side="left")
    windows = []
    for index in range(count):
        low, high = int(bounds[index]), int(bounds[index + 1])
        rows: slice | np.ndarray = slice(low, high) if order is None else order[low:high]
        start = t0 + index * window_ms
        windows.append(Window(index, start, start + window_ms, rows))
    return windows

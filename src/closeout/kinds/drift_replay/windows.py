"""Cutting a period into windows ``[t0 + k*window, t0 + (k+1)*window)`` (SPEC §4.1).

``t0`` is the earliest timestamp floored to a multiple of the window (since the Unix epoch,
so hourly windows start on the hour and daily ones at UTC midnight). Rows keep their order
in the file inside a window, so every test sees them as evidently would.

A period read into memory is cut here at once (``cut``: the rows of each window); a period
streamed from a dataset or a query only needs the bounds (``plan``), and each window's rows
are read when it is scored.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from closeout._time import format_duration_ms
from closeout.errors import DataError

if TYPE_CHECKING:
    import numpy as np

MAX_WINDOWS = 200_000


@dataclass(frozen=True)
class Window:
    """One window: its bounds in epoch ms and the number of rows in it (once known)."""

    index: int
    start: int
    end: int
    count: int = 0

    def with_count(self, count: int) -> Window:
        return replace(self, count=count)


def plan(first: int, last: int, window_ms: int, display: str) -> list[Window]:
    """Every window from the one holding ``first`` to the one holding ``last`` (epoch ms)."""
    if window_ms <= 0:
        raise DataError("window must be longer than 0s")
    t0 = (first // window_ms) * window_ms
    count = (last - t0) // window_ms + 1
    if count > MAX_WINDOWS:
        raise DataError(
            f"{display}: {count} windows of {format_duration_ms(window_ms)} (more than "
            f"{MAX_WINDOWS}); use a longer window"
        )
    return [Window(k, t0 + k * window_ms, t0 + (k + 1) * window_ms) for k in range(count)]


def cut(
    times: np.ndarray, window_ms: int, display: str
) -> tuple[list[Window], list[slice | np.ndarray]]:
    """Every window from the first timestamp's to the last one's, empty ones included, and
    the positions of each window's rows in the file (in file order)."""
    import numpy as np

    windows = plan(int(times.min()), int(times.max()), window_ms, display)
    t0 = windows[0].start
    keys = (times - t0) // window_ms
    in_order = bool(np.all(keys[1:] >= keys[:-1]))
    order = None if in_order else np.argsort(keys, kind="stable")
    sorted_keys = keys if order is None else keys[order]
    bounds = np.searchsorted(sorted_keys, np.arange(len(windows) + 1), side="left")
    rows: list[slice | np.ndarray] = []
    counted = []
    for window in windows:
        low, high = int(bounds[window.index]), int(bounds[window.index + 1])
        rows.append(slice(low, high) if order is None else order[low:high])
        counted.append(window.with_count(high - low))
    return counted, rows

"""Scoring a period's windows, in this process or across worker processes.

Windows are independent: each is read from its source and scored against the reference
prepared once (``scoring.ColumnScorer``). With more than one core, contiguous runs of
windows go to worker processes forked from this one, so they share the prepared reference
(copy-on-write, nothing pickled) and read their own windows (a streamed source reopens its
files or database in the worker). Each window's computation is the same in any process
and the results come back in window order, so a parallel run equals the serial one exactly
(tests/unit/kinds/drift_replay/test_parallel.py). Small in-memory periods stay serial:
forking costs more than it saves.

``workers`` is ``[tool.closeout] workers``; by default, the cores this process may use that
other work is not already keeping busy (the 1-minute load average): on a busy machine extra
processes only queue for the same cores.
"""

from __future__ import annotations

import multiprocessing
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from closeout._time import from_ms, iso_z
from closeout.kinds.drift_replay.scoring import ColumnScorer
from closeout.kinds.drift_replay.source import Source, cores
from closeout.kinds.drift_replay.verdict import WindowResult
from closeout.kinds.drift_replay.windows import Window

# An in-memory period with fewer values (rows x columns) than this is scored serially.
PARALLEL_MIN_VALUES = 1_000_000
# Runs of windows per worker: smaller runs balance uneven windows, larger ones re-read less.
_RUNS_PER_WORKER = 4

Tick = Callable[[int], None]
"""``tick(done)``: how many of a period's windows are scored so far."""


@dataclass
class Scored:
    """A period's scored windows, and which columns had any value in any window."""

    results: list[WindowResult]
    present: set[str] = field(default_factory=set)
    messages: dict[str, set[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Job:
    source: Source
    windows: list[Window]
    scorers: dict[str, ColumnScorer]
    min_rows: int


# The job of the current parallel run, set before the workers fork (they inherit it).
_JOB: _Job | None = None


def available_cores() -> int:
    """The cores this process may use, less those other processes keep busy."""
    try:
        others = max(0.0, os.getloadavg()[0] - 1.0)  # this process is one of the load
    except OSError:
        others = 0.0
    return max(1, cores() - int(others))


def worker_count(setting: int | None, source: Source, windows: list[Window], columns: int) -> int:
    """How many processes to score these windows with (1: serially, in this process)."""
    wanted = setting if setting is not None else available_cores()
    if wanted <= 1 or len(windows) < 2:
        return 1
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1  # spawned workers would re-import everything and re-prepare the reference
    if not source.streamed and sum(w.count for w in windows) * columns < PARALLEL_MIN_VALUES:
        return 1
    return min(wanted, len(windows))


def score_windows(
    source: Source,
    windows: list[Window],
    scorers: dict[str, ColumnScorer],
    min_rows: int,
    workers: int,
    tick: Tick | None = None,
) -> Scored:
    """Read and score every window, with ``workers`` processes; results in window order.

    ``tick(done)`` is called as windows are scored: after each one here, after each run of
    windows a worker returns.
    """
    global _JOB
    job = _Job(source, windows, scorers, min_rows)
    if workers <= 1:
        return _score_run(job, 0, len(windows), tick)
    runs = _split(len(windows), workers * _RUNS_PER_WORKER)
    source.release()  # no open file or database handle crosses the fork
    _JOB = job
    try:
        with warnings.catch_warnings():
            # Python 3.12+ warns that forking a process with threads may deadlock; the
            # workers use no thread of the parent (they reopen their own readers).
            warnings.simplefilter("ignore", DeprecationWarning)
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                parts = []
                for part in pool.imap(_work, runs, chunksize=1):
                    parts.append(part)
                    if tick is not None:
                        tick(sum(len(p.results) for p in parts))
    finally:
        _JOB = None
    merged = Scored([])
    for part in parts:
        merged.results += part.results
        merged.present |= part.present
        for name, found in part.messages.items():
            merged.messages.setdefault(name, set()).update(found)
    for name, found in merged.messages.items():
        scorers[name].messages.update(found)
    return merged


def _split(total: int, parts: int) -> list[tuple[int, int]]:
    """``parts`` contiguous ranges covering ``range(total)`` (fewer when total is small)."""
    parts = max(1, min(parts, total))
    bounds = [total * k // parts for k in range(parts + 1)]
    return [(bounds[k], bounds[k + 1]) for k in range(parts) if bounds[k] < bounds[k + 1]]


def _work(run: tuple[int, int]) -> Scored:
    """In a worker: score one run of windows of the inherited job."""
    assert _JOB is not None
    for scorer in _JOB.scorers.values():
        scorer.messages = set()  # report only what this run adds
    scored = _score_run(_JOB, *run)
    scored.messages = {n: set(s.messages) for n, s in _JOB.scorers.items() if s.messages}
    return scored


def _score_run(job: _Job, first: int, stop: int, tick: Tick | None = None) -> Scored:
    columns = list(job.scorers)
    scored = Scored([])
    for done, window in enumerate(job.windows[first:stop], start=1):
        count, values = job.source.read(columns, window)
        window = window.with_count(count)
        counts = {name: _values_in(values[name]) for name in columns}
        scored.present.update(name for name, n in counts.items() if n)
        scored.results.append(_score(window, values, counts, job.scorers, job.min_rows))
        if tick is not None:
            tick(done)
    return scored


def _values_in(column: Any) -> int:
    """How many cells of a window's column hold a value (not NaN, None or NaT)."""
    import numpy as np
    import pandas as pd

    if isinstance(column, np.ndarray) and column.dtype.kind == "f":
        return len(column) - int(np.count_nonzero(np.isnan(column)))
    return int(pd.notna(column).sum())


def _score(
    window: Window,
    values: dict[str, Any],
    counts: dict[str, int],
    scorers: dict[str, ColumnScorer],
    min_rows: int,
) -> WindowResult:
    # min_rows counts values, not rows: a column that is NaN in most of the window's rows
    # would otherwise be scored on a handful of numbers (B10). A column with too few values
    # is left unscored in this window; with no column left the window is skipped.
    if window.count < min_rows or all(n < min_rows for n in counts.values()):
        return WindowResult(window, skipped=True)
    result = WindowResult(window, skipped=False)
    where = f" in the window starting {iso_z(from_ms(window.start))}"
    for name, scorer in scorers.items():
        if counts[name] < min_rows:
            result.empty_columns.append(name)
            continue
        cell = scorer.score(values[name], where)
        if cell is None:
            result.empty_columns.append(name)
        else:
            result.cells[name] = cell
    return result

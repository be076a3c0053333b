"""The per-window table as text, for what a failing scenario shows (issue 15).

The evidence record keeps every window (``expect.window_table``); a person reading a failed
pytest item needs the windows that explain the verdict: those around the onset, the first
alert, the first firing and any false alarm. ``window_text`` prints those (with a little
context on each side) and folds the rest into ``... N more windows`` lines, so a month of
hourly windows stays a screenful. The table is laid out by the one table renderer,
``closeout._terminal``, always in its plain layout: the text is kept in the evidence record,
so no terminal or ``FORCE_COLOR`` may change it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from closeout._terminal import table
from closeout._time import from_ms, iso_z
from closeout.kinds.drift_replay.scoring import Cell
from closeout.kinds.drift_replay.verdict import WindowResult

# Windows shown on each side of a window of interest.
CONTEXT = 2
# A table with at most this many windows is shown whole.
SHOW_ALL = 16
# Windows of interest beyond this many are not added (the first ones explain the verdict).
MAX_FOCUS = 8
# Drifted columns named per window; more are counted.
MAX_COLUMNS = 4
_HEADERS = ("window start", "rows", "alerting", "drifted columns (score)", "")


def window_text(windows: Sequence[WindowResult], focus: Iterable[int], onset: int | None) -> str:
    """The windows around the ``focus`` indices (and the onset) as a text table."""
    onset_index = _onset_index(windows, onset)
    wanted = sorted({i for i in focus if 0 <= i < len(windows)})[:MAX_FOCUS]
    if onset_index is not None:
        wanted.append(onset_index)
    shown = _shown(len(windows), wanted)
    rows: list[tuple[str, ...] | str] = []
    previous = -1
    for index in shown:
        if index > previous + 1:
            rows.append(_more(index - previous - 1))
        rows.append(_row(windows[index], index == onset_index))
        previous = index
    if previous < len(windows) - 1:
        rows.append(_more(len(windows) - 1 - previous))
    return _render(rows)


def _onset_index(windows: Sequence[WindowResult], onset: int | None) -> int | None:
    """The window the onset falls in (the first one ending after it)."""
    if onset is None:
        return None
    return next((i for i, w in enumerate(windows) if w.window.end > onset), None)


def _shown(total: int, wanted: list[int]) -> list[int]:
    if total <= SHOW_ALL or not wanted:
        return list(range(min(total, SHOW_ALL)))
    picked: set[int] = set()
    for index in wanted:
        picked.update(range(max(0, index - CONTEXT), min(total, index + CONTEXT + 1)))
    return sorted(picked)


def _more(count: int) -> str:
    return f"... {count} more window{'s' if count != 1 else ''}"


def _row(result: WindowResult, at_onset: bool) -> tuple[str, ...]:
    notes = []
    if at_onset:
        notes.append("<- onset")
    if result.fires:
        notes.append("the alert fires at its end")
    elif result.firing:
        notes.append("firing")
    start = iso_z(from_ms(result.window.start))
    rows = f"{result.window.count:,}"
    if result.skipped:
        return start, rows, "-", "skipped: fewer than min_rows rows", ", ".join(notes)
    alerting = "yes" if result.alerting else "no"
    return start, rows, alerting, _drifted(result), ", ".join(notes)


def _drifted(result: WindowResult) -> str:
    names = result.drifted_columns
    if not names:
        return "-"
    parts = [f"{name} {_score(result.cells[name])}" for name in names[:MAX_COLUMNS]]
    if len(names) > MAX_COLUMNS:
        parts.append(f"+{len(names) - MAX_COLUMNS} more")
    return ", ".join(parts)


def _score(cell: Cell) -> str:
    """``p=0.0012`` for a p-value (the corrected one when corrected), else the distance."""
    if cell.p_value:
        value = cell.adjusted if cell.adjusted is not None else cell.score
        label = "adjusted p" if cell.adjusted is not None else "p"
        return f"{label}={value:.3g}"
    return f"{cell.method}={cell.score:.3g}"


def _render(rows: list[tuple[str, ...] | str]) -> str:
    """The windows' table with each ``... N more windows`` line between the rows it stands
    for (a cell stays on one line, so the table has one line per window)."""
    cells = [[part.replace("\n", " ") for part in row] for row in rows if isinstance(row, tuple)]
    header, rule, *lines = table(_HEADERS, cells, plain=True).splitlines()
    shown = iter(lines)
    return "\n".join([header, rule, *(next(shown) if isinstance(r, tuple) else r for r in rows)])

"""The drift replay chart: score per column over time, as static SVG text (no plot library).

One panel per monitored column. p-values are drawn as -log10(p) so that drift goes up, like a
distance does; the threshold is a dashed line, drifted windows are filled red dots, skipped
windows grey bands, firing windows a light red band, and the onset, the human detection and
every firing are vertical lines.
"""

from __future__ import annotations

import math
from html import escape
from pathlib import Path
from typing import Any

from closeout._time import from_ms
from closeout.kinds._toolkit.svg import WIDTH, nice_ticks, tick_label, ticks_for, time_ticks
from closeout.kinds._toolkit.svg import scale as _scale
from closeout.kinds._toolkit.svg import write_svg as _write_atomic
from closeout.kinds.drift_replay.verdict import Period

PANEL_HEIGHT = 130
GAP = 46
LEFT, RIGHT, TOP = 70, 20, 90
P_FLOOR = 1e-300  # a p-value of 0 (underflow) is drawn at -log10(1e-300) = 300, capped below
Y_CAP = 30.0  # -log10 p beyond this is drawn at the top edge: the detail is in the metrics

MARKS = {  # vertical line: colour, dash pattern, label
    "onset": ("#ff7f0e", "6 3", "onset"),
    "detected": ("#9467bd", "6 3", "humans detected"),
    "fired": ("#d62728", "", "alert fired"),
    "false_alarm": ("#d62728", "2 3", "false alarm"),
}


def drift_chart(
    path: Path,
    period: Period,
    columns: list[str],
    marks: dict[str, list[int]],
    title: str,
) -> None:
    """Write the chart of one replayed period to ``path``."""
    evaluated = period.evaluated
    span = (period.windows[0].window.start, period.windows[-1].window.end)
    height = TOP + len(columns) * (PANEL_HEIGHT + GAP) + 24
    x = _scale(span[0], span[1], LEFT, WIDTH - RIGHT)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="11">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{LEFT}" y="20" font-size="14" font-weight="bold">{escape(title)}</text>',
        _legend(marks),
    ]
    for index, column in enumerate(columns):
        top = TOP + index * (PANEL_HEIGHT + GAP)
        parts += _panel(column, period, evaluated, x, top, marks, span)
    parts.append("</svg>")
    _write_atomic(path, "\n".join(parts))


def _panel(
    column: str,
    period: Period,
    evaluated: list[Any],
    x: Any,
    top: int,
    marks: dict[str, list[int]],
    span: tuple[int, int],
) -> list[str]:
    cells = [(w, w.cells[column]) for w in evaluated if column in w.cells]
    p_value = bool(cells) and cells[0][1].p_value
    # what the monitor acts on: the adjusted p-value when a correction is on
    values = [_height(_acted_on(c), p_value) for _, c in cells]
    thresholds = sorted({_height(c.threshold, p_value) for _, c in cells})
    finite = [v for v in values + thresholds if math.isfinite(v)]
    ticks = nice_ticks(0.0, max(finite, default=1.0) * 1.05 or 1.0, 4)
    if p_value and ticks[1] - ticks[0] < 1:  # p-values tick at whole powers of ten
        ticks = [float(v) for v in range(math.ceil(ticks[-1]) + 1)]
    high = ticks[-1]
    y = _scale(0.0, high, top + PANEL_HEIGHT, top)
    method = ", ".join(sorted({c.method for _, c in cells})) or "no values"
    adjusted = any(c.adjusted is not None for _, c in cells)
    axis = ("-log10 adjusted p-value" if adjusted else "-log10 p-value") if p_value else "score"
    out = [
        f'<text x="{LEFT}" y="{top - 8}" font-weight="bold">{escape(column)}</text>'
        f'<text x="{LEFT + 8 + 7 * len(column)}" y="{top - 8}" fill="#555">'
        f"{escape(method)} ({axis})</text>",
        f'<rect x="{LEFT}" y="{top}" width="{WIDTH - LEFT - RIGHT}" height="{PANEL_HEIGHT}" '
        'fill="none" stroke="#999"/>',
    ]
    out += _bands(period, x, top)
    for threshold in thresholds:
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(threshold):.1f}" '
            f'y2="{y(threshold):.1f}" stroke="#555" stroke-dasharray="6 4"/>'
            f'<text x="{WIDTH - RIGHT - 4}" y="{y(threshold) - 3:.1f}" text-anchor="end" '
            f'fill="#555">threshold</text>'
        )
    out += _series(cells, values, x, y)
    out += _marks(marks, x, top)
    out += _axes(ticks, span, x, y, top, p_value)
    return out


def _acted_on(cell: Any) -> float:
    return float(cell.adjusted) if cell.adjusted is not None else float(cell.score)


def _height(value: float, p_value: bool) -> float:
    if not p_value:
        return value if math.isfinite(value) else float("nan")
    if not math.isfinite(value):
        return float("nan")
    return min(-math.log10(max(value, P_FLOOR)), Y_CAP)


def _bands(period: Period, x: Any, top: int) -> list[str]:
    out = []
    for result in period.windows:
        window = result.window
        if not (result.skipped or result.firing):
            continue
        fill, label = (
            ("#bbbbbb", f"skipped: {window.count} rows")
            if result.skipped
            else ("#d62728", "alert firing")
        )
        out.append(
            f'<rect x="{x(window.start):.1f}" y="{top}" '
            f'width="{max(x(window.end) - x(window.start), 1):.1f}" height="{PANEL_HEIGHT}" '
            f'fill="{fill}" opacity="0.18"><title>{escape(label)}</title></rect>'
        )
    return out


def _series(cells: list[Any], values: list[float], x: Any, y: Any) -> list[str]:
    points = [
        (x((w.window.start + w.window.end) / 2), y(v), cell, w.window.index)
        for (w, cell), v in zip(cells, values, strict=True)
        if math.isfinite(v)
    ]
    # one line per run of adjacent windows: a skipped window leaves a gap, as it has no score
    runs: list[list[str]] = []
    previous = None
    for px, py, _, index in points:
        if previous is None or index != previous + 1:
            runs.append([])
        runs[-1].append(f"{px:.1f},{py:.1f}")
        previous = index
    out = [
        f'<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="{" ".join(run)}"/>'
        for run in runs
        if len(run) > 1
    ]
    for px, py, cell, _ in points:
        fill = "#d62728" if cell.flagged else "white"
        out.append(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{fill}" stroke="#1f77b4">'
            f"<title>{cell.method} {cell.score:.4g}"
            f"{f' (adjusted {cell.adjusted:.4g})' if cell.adjusted is not None else ''}"
            f"{' (drifted)' if cell.flagged else ''}</title></circle>"
        )
    return out


def _marks(marks: dict[str, list[int]], x: Any, top: int) -> list[str]:
    out = []
    for name, times in marks.items():
        color, dash, label = MARKS[name]
        for t in times:
            out.append(
                f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{top}" y2="{top + PANEL_HEIGHT}" '
                f'stroke="{color}" stroke-width="1.5" stroke-dasharray="{dash}">'
                f"<title>{escape(label)} {from_ms(t):%Y-%m-%d %H:%M}</title></line>"
            )
    return out


def _axes(
    ticks: list[float], span: tuple[int, int], x: Any, y: Any, top: int, p_value: bool
) -> list[str]:
    """Score ticks at 1-2-5 steps (p-values as powers of ten), time ticks on calendar
    boundaries (UTC)."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    out = []
    for value in ticks:
        label = (f"1e-{value:.0f}" if value else "1") if p_value else tick_label(value, step)
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="#eee"/><text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">'
            f"{label}</text>"
        )
    count = ticks_for(WIDTH - LEFT - RIGHT)
    for moment, label in time_ticks(span[0] / 1000, span[1] / 1000, count):
        at = x(moment * 1000)
        out.append(
            f'<line x1="{at:.1f}" x2="{at:.1f}" y1="{top + PANEL_HEIGHT}" '
            f'y2="{top + PANEL_HEIGHT + 4}" stroke="#999"/>'
            f'<text x="{at:.1f}" y="{top + PANEL_HEIGHT + 16}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    return out


def _legend(marks: dict[str, list[int]]) -> str:
    items = [
        ("#d62728", "", "drifted window (dot)"),
        ("#555", "6 4", "threshold"),
        *[MARKS[name] for name, times in marks.items() if times],
    ]
    out = []
    for index, (color, dash, label) in enumerate(items):
        left = LEFT + index * 150
        out.append(
            f'<line x1="{left}" x2="{left + 18}" y1="36" y2="36" stroke="{color}" '
            f'stroke-width="2" stroke-dasharray="{dash}"/>'
            f'<text x="{left + 22}" y="40">{escape(label)}</text>'
        )
    out.append(
        f'<rect x="{LEFT}" y="50" width="12" height="8" fill="#bbbbbb" opacity="0.5"/>'
        f'<text x="{LEFT + 16}" y="58">skipped window</text>'
        f'<rect x="{LEFT + 150}" y="50" width="12" height="8" fill="#d62728" opacity="0.3"/>'
        f'<text x="{LEFT + 166}" y="58">alert firing</text>'
    )
    return "".join(out)

"""The threshold chart: each series over the evaluation grid, rule thresholds dashed,
firing intervals shaded. Static SVG: small, diffable, opens anywhere."""

from __future__ import annotations

import math
from collections.abc import Callable
from html import escape
from pathlib import Path

from closeout._time import format_duration_ms
from closeout.kinds._toolkit.svg import (
    WIDTH,
    nice_ticks,
    offset_ticks,
    plain_number,
    tick_label,
    ticks_for,
    time_ticks,
    write_svg,
)
from closeout.kinds._toolkit.svg import scale as _scale
from closeout.kinds.threshold import promql
from closeout.kinds.threshold.rules_file import AlertRule
from closeout.kinds.threshold.spec import ThresholdScenario

PANEL_HEIGHT = 170
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, GAP = 70, 20, 40, 40
COLORS = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]

Scale = Callable[[float], float]


def threshold_chart(
    path: Path,
    scenario: ThresholdScenario,
    rules: list[AlertRule],
    series: dict[str, promql.Series],
    traces: dict[str, promql.AlertTrace],
    grid: range,
    start_ms: int,
    side: str,
    title: str,
) -> None:
    """Each series over the grid, its rule thresholds dashed, firing intervals shaded."""
    names = list(series)
    height = MARGIN_TOP + len(names) * (PANEL_HEIGHT + GAP) + 30
    t0, t1 = grid.start, max(grid.stop - grid.step, grid.start + 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="11">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{MARGIN_LEFT}" y="20" font-size="14" font-weight="bold">'
        f"{escape(title)}: {escape(side)} rules</text>",
    ]
    alerts = list(dict.fromkeys(rule.alert for rule in rules))
    for index, name in enumerate(names):
        top = MARGIN_TOP + index * (PANEL_HEIGHT + GAP)
        parts += _panel(
            name,
            series[name],
            rules,
            traces,
            alerts,
            grid,
            (t0, t1),
            top,
            scenario.lookback,
            start_ms,
        )
    parts.append(_legend(alerts, height - 12))
    parts.append("</svg>")
    write_svg(path, "\n".join(parts))


def _panel(
    name: str,
    series: promql.Series,
    rules: list[AlertRule],
    traces: dict[str, promql.AlertTrace],
    alerts: list[str],
    grid: range,
    span: tuple[int, int],
    top: int,
    lookback: int,
    start_ms: int,
) -> list[str]:
    """One series' panel, scaled to its values and to the thresholds drawn on it."""
    values = [series.value_at(t, lookback) for t in grid]
    thresholds = [
        (rule.alert, c.threshold)
        for rule in rules
        for c in _comparisons(rule.expr)
        if c.series == name and math.isfinite(c.threshold)
    ]
    finite = [v for v in values if v is not None and math.isfinite(v)] + [t for _, t in thresholds]
    ticks = _value_ticks(finite)
    low, high = ticks[0], ticks[-1]
    x: Scale = _scale(span[0], span[1], MARGIN_LEFT, WIDTH - MARGIN_RIGHT)
    y: Scale = _scale(low, high, top + PANEL_HEIGHT, top)
    out = [
        f'<text x="{MARGIN_LEFT}" y="{top - 6}" font-weight="bold">{escape(name)}</text>',
        f'<rect x="{MARGIN_LEFT}" y="{top}" width="{WIDTH - MARGIN_LEFT - MARGIN_RIGHT}" '
        f'height="{PANEL_HEIGHT}" fill="none" stroke="#999"/>',
    ]
    out += _firing_bands(alerts, traces, grid.step, span[1], x, top)
    out += _threshold_lines(thresholds, alerts, y)
    out += _polylines(list(grid), values, x, y)
    out += _axes(ticks, span, x, y, top, start_ms)
    return out


def _comparisons(expr: str) -> list[promql.Comparison]:
    """The thresholds an expression compares against; none when it is beyond the subset."""
    try:
        return promql.comparisons(promql.parse_expr(expr))
    except promql.NotationError:
        return []


def _firing_bands(
    alerts: list[str],
    traces: dict[str, promql.AlertTrace],
    step: int,
    end_of_grid: int,
    x: Scale,
    top: int,
) -> list[str]:
    """A shaded band over the panel's height for every interval an alert is firing."""
    out = []
    for alert_index, alert in enumerate(alerts):
        color = COLORS[alert_index % len(COLORS)]
        for begin, end in traces[alert].intervals(step):
            stop = end if end is not None else end_of_grid
            out.append(
                f'<rect x="{x(begin):.1f}" y="{top}" width="{max(x(stop) - x(begin), 1):.1f}" '
                f'height="{PANEL_HEIGHT}" fill="{color}" opacity="0.15">'
                f"<title>{escape(alert)} firing</title></rect>"
            )
    return out


def _threshold_lines(thresholds: list[tuple[str, float]], alerts: list[str], y: Scale) -> list[str]:
    """A dashed line, labelled with the alert and the number, for every threshold."""
    out = []
    for alert, threshold in thresholds:
        color = COLORS[alerts.index(alert) % len(COLORS)]
        out.append(
            f'<line x1="{MARGIN_LEFT}" x2="{WIDTH - MARGIN_RIGHT}" y1="{y(threshold):.1f}" '
            f'y2="{y(threshold):.1f}" stroke="{color}" stroke-dasharray="6 4"/>'
        )
        out.append(
            f'<text x="{WIDTH - MARGIN_RIGHT - 4}" y="{y(threshold) - 3:.1f}" '
            f'text-anchor="end" fill="{color}">{escape(alert)} {plain_number(threshold)}</text>'
        )
    return out


def _polylines(times: list[int], values: list[float | None], x: Scale, y: Scale) -> list[str]:
    """The series as one polyline per run of finite samples: a gap breaks the line, and a
    sample between two gaps is a dot."""
    lines: list[list[str]] = []
    current: list[str] = []
    for t, v in zip(times, values, strict=True):
        if v is None or not math.isfinite(v):
            if current:
                lines.append(current)
            current = []
            continue
        current.append(f"{x(t):.1f},{y(v):.1f}")
    if current:
        lines.append(current)
    # A sample with no finite neighbour makes no line: it is drawn as a dot.
    return [
        f'<polyline fill="none" stroke="#333" stroke-width="1.5" points="{" ".join(p)}"/>'
        if len(p) > 1
        else '<circle cx="{}" cy="{}" r="2.5" fill="#333"/>'.format(*p[0].split(","))
        for p in lines
    ]


def _value_ticks(finite: list[float]) -> list[float]:
    """Round ticks around the values and thresholds; zero stays the floor of a series that
    never goes below it (a count or a rate never reads as -366)."""
    low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
    pad = (high - low) * 0.05
    return nice_ticks(max(low - pad, 0.0) if low >= 0 else low - pad, high + pad, 4)


def _axes(
    ticks: list[float], span: tuple[int, int], x: Scale, y: Scale, top: int, start_ms: int
) -> list[str]:
    """Value ticks at 1-2-5 steps with light grid lines; time ticks on calendar boundaries
    (clock times, or offsets from 0 for a scenario without a start)."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    out = []
    for value in ticks:
        out.append(
            f'<line x1="{MARGIN_LEFT}" x2="{WIDTH - MARGIN_RIGHT}" y1="{y(value):.1f}" '
            f'y2="{y(value):.1f}" stroke="#eee"/>'
            f'<text x="{MARGIN_LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">'
            f"{tick_label(value, step)}</text>"
        )
    count = ticks_for(WIDTH - MARGIN_LEFT - MARGIN_RIGHT)
    if start_ms:
        moments = time_ticks(span[0] / 1000, span[1] / 1000, count)
        marks = [(s * 1000, label) for s, label in moments]
    else:
        offsets = offset_ticks((span[1] - span[0]) / 1000, count)
        marks = [(span[0] + s * 1000, format_duration_ms(int(s * 1000))) for s in offsets]
    for t, label in marks:
        out.append(
            f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{top + PANEL_HEIGHT}" '
            f'y2="{top + PANEL_HEIGHT + 4}" stroke="#999"/>'
            f'<text x="{x(t):.1f}" y="{top + PANEL_HEIGHT + 16}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    return out


def _legend(alerts: list[str], baseline: int) -> str:
    """One colour swatch per alert, in rule order."""
    items = []
    for index, alert in enumerate(alerts):
        color = COLORS[index % len(COLORS)]
        left = MARGIN_LEFT + index * 200
        items.append(
            f'<rect x="{left}" y="{baseline - 9}" width="12" height="10" fill="{color}" '
            f'opacity="0.4"/><text x="{left + 16}" y="{baseline}">{escape(alert)} firing</text>'
        )
    return "".join(items)

"""SVG charts drawn by the reports (the kinds draw their own): the incident's phases on a
timeline, and the archive's median/p90 durations, action states and quarterly trends.

Plain SVG text, no library and no script, so the pages stay static, small and offline.
Every label goes through ``escape``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import UTC
from html import escape
from typing import Any

from closeout._format import duration
from closeout.kinds._toolkit.svg import ticks_for, time_ticks
from closeout.models import Postmortem

FONT = 'font-family="system-ui, sans-serif" font-size="11"'
PHASES = (
    ("undetected", "#d62728"),
    ("detected, not mitigated", "#ff7f0e"),
    ("mitigated, not resolved", "#e7ba52"),
)
KIND_COLORS = {
    "change": "#1f77b4",
    "impact": "#d62728",
    "detection": "#ff7f0e",
    "escalation": "#9467bd",
    "diagnosis": "#8c564b",
    "mitigation": "#2ca02c",
    "resolution": "#17becf",
    "communication": "#7f7f7f",
    "other": "#bcbd22",
}
MEASURE_LABELS = {
    "time_to_detect": "detect",
    "time_to_diagnose": "diagnose",
    "time_to_mitigate": "mitigate",
    "time_to_resolve": "resolve",
    "time_to_close": "close (actions)",
}
MEASURE_COLORS = {
    "time_to_detect": "#d62728",
    "time_to_diagnose": "#8c564b",
    "time_to_mitigate": "#ff7f0e",
    "time_to_resolve": "#1f77b4",
    "time_to_close": "#2ca02c",
}
# One colour per action state (SPEC §5), worst first, as the archive orders its chips.
STATE_COLORS = {
    "regressed": "#a11a1a",
    "failing": "#ff7f0e",
    "stale": "#e7ba52",
    "open": "#1f77b4",
    "verified": "#98df8a",
    "closed": "#2ca02c",
    "waived": "#9d9d9d",
    "not_doing": "#d4d4d4",
}
# Round lengths an axis of durations ends at (seconds): minutes to years.
ROUND_DURATIONS = tuple(m * 60 for m in (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720)) + tuple(
    d * 86400 for d in (1, 2, 3, 7, 14, 30, 60, 90, 180, 365, 730, 1825, 3650)
)


def _scale(d0: float, d1: float, r0: float, r1: float) -> Callable[[float], float]:
    width = (d1 - d0) or 1.0
    return lambda v: r0 + (v - d0) / width * (r1 - r0)


def _svg(width: int, height: int, label: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" {FONT}>'
        f'<rect width="100%" height="100%" fill="white"/>{"".join(body)}</svg>'
    )


def _text(x: float, y: float, text: str, anchor: str = "start", extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{escape(text)}</text>'


# --------------------------------------------------------------------------- incident timeline


def incident_timeline(pm: Postmortem, width: int = 900) -> str:
    """The phases (undetected, detected, mitigated) as bands, milestones and timeline entries."""
    milestones = [
        (label, moment)
        for label, moment in (
            ("impact began", pm.started_at),
            ("detected", pm.detected_at),
            ("diagnosed", pm.diagnosed_at),
            ("mitigated", pm.mitigated_at),
            ("resolved", pm.resolved_at),
        )
        if moment is not None
    ]
    moments = [m for _, m in milestones] + [e.at for e in pm.timeline]
    t0, t1 = min(moments).timestamp(), max(moments).timestamp()
    pad = max((t1 - t0) * 0.04, 60.0)
    x = _scale(t0 - pad, t1 + pad, 20, width - 20)
    lanes = _lanes([x(e.at.timestamp()) for e in pm.timeline], 18)
    height = 150 + 20 * (max(lanes) + 1 if lanes else 0)
    body = _phase_bands(pm, x)
    for index, (label, moment) in enumerate(milestones):
        at = x(moment.timestamp())
        top = 16 + (index % 2) * 14
        body.append(f'<line x1="{at:.1f}" x2="{at:.1f}" y1="{top + 3}" y2="92" stroke="#333"/>')
        anchor = "start" if at < width * 0.8 else "end"
        body.append(_text(at + (3 if anchor == "start" else -3), top, label, anchor))
    body += _timeline_marks(pm, x, lanes)
    body += _time_axis(t0 - pad, t1 + pad, x, height - 8)
    return _svg(width, height, f"Timeline of {pm.id}", body)


def _phase_bands(pm: Postmortem, x: Callable[[float], float]) -> list[str]:
    edges = [pm.started_at, pm.detected_at, pm.mitigated_at, pm.resolved_at]
    body = []
    for (label, color), begin, end in zip(PHASES, edges, edges[1:], strict=False):
        if begin is None or end is None:
            continue
        left, right = x(begin.timestamp()), x(end.timestamp())
        span = duration((end - begin).total_seconds())
        body.append(
            f'<rect x="{left:.1f}" y="50" width="{max(right - left, 1.5):.1f}" height="26" '
            f'fill="{color}" opacity="0.8"><title>{escape(label)}: {escape(span)}</title></rect>'
        )
        if right - left > 60:
            body.append(_text((left + right) / 2, 67, span, "middle", ' fill="white"'))
    return body


def _lanes(positions: Sequence[float], gap: float) -> list[int]:
    """Lane of each mark so that marks in one lane are at least ``gap`` pixels apart."""
    ends: list[float] = []
    lanes = []
    for position in positions:
        lane = next((i for i, end in enumerate(ends) if position - end >= gap), len(ends))
        if lane == len(ends):
            ends.append(position)
        ends[lane] = position
        lanes.append(lane)
    return lanes


_WHITE_SMALL = ' fill="white" font-size="10"'


def _timeline_marks(pm: Postmortem, x: Callable[[float], float], lanes: list[int]) -> list[str]:
    body = []
    for number, (entry, lane) in enumerate(zip(pm.timeline, lanes, strict=True), start=1):
        at = x(entry.at.timestamp())
        y = 108 + lane * 20
        color = KIND_COLORS.get(entry.kind, "#7f7f7f")
        tip = f"{entry.at.astimezone(UTC):%H:%M} {entry.kind}: {entry.text}"
        body.append(
            f"<g><title>{escape(tip)}</title>"
            f'<line x1="{at:.1f}" x2="{at:.1f}" y1="78" y2="{y - 8}" stroke="{color}" '
            f'stroke-width="0.8"/><circle cx="{at:.1f}" cy="{y}" r="8" fill="{color}"/>'
            f"{_text(at, y + 4, str(number), 'middle', _WHITE_SMALL)}</g>"
        )
    return body


def _time_axis(t0: float, t1: float, x: Callable[[float], float], y: float) -> list[str]:
    """Ticks on calendar boundaries (``20:00, 20:15``; the date at midnight), in UTC."""
    left, right = x(t0), x(t1)
    body = [_text(right, y - 14, "UTC", "end", ' fill="#777"')]
    for moment, label in time_ticks(t0, t1, ticks_for(right - left, 100)):
        at = x(moment)
        body.append(
            f'<line x1="{at:.1f}" x2="{at:.1f}" y1="{y - 26}" y2="{y - 20}" stroke="#999"/>'
        )
        body.append(_text(at, y, label, "middle"))
    return body


# --------------------------------------------------------------------------- archive metrics


def spread_chart(groups: dict[str, dict[str, Any]], title: str, width: int = 960) -> str:
    """Per group (rows) and measure (panels): p90 as a light bar, median as a dark one, every
    bar on one scale (a round duration at or above the longest p90), so bars compare across
    measures and groups, and one incident does not fill every panel."""
    label_width, row, top = 120, 32, 64
    measures = list(MEASURE_LABELS)
    panel = (width - label_width - 10) / len(measures)
    height = top + row * max(len(groups), 1) + 10
    longest = max(
        (g[m]["p90_s"] or 0 for g in groups.values() for m in measures if g[m]["n"]), default=0
    )
    end = round_duration(longest)
    body = [_text(8, 18, title, extra=' font-size="13" font-weight="bold"')]
    body.append(
        _text(
            8,
            36,
            "dark bar: median · light bar: p90 (labels: median / p90) · "
            f"every panel spans 0 to {duration(end)}",
        )
    )
    for column, measure in enumerate(measures):
        left = label_width + column * panel
        body.append(_text(left, top - 4, MEASURE_LABELS[measure], extra=' font-weight="bold"'))
        scale = _scale(0, end, left, left + panel - 14)
        for index, group in enumerate(groups.values()):
            body += _spread_cell(
                group[measure], scale, left, top + index * row, MEASURE_COLORS[measure]
            )
    for index, (name, group) in enumerate(groups.items()):
        body.append(_text(8, top + index * row + 20, f"{name} (n={group['incidents']})"))
    return _svg(width, height, title, body)


def round_duration(seconds: float) -> float:
    """The shortest round duration (1m, 2m, 5m ... 1d, 2d, 7d ... years) at or above ``seconds``."""
    return float(next((r for r in ROUND_DURATIONS if r >= seconds), max(seconds, 1.0)))


def _spread_cell(
    stats: dict[str, Any], x: Callable[[float], float], left: float, y: float, color: str
) -> list[str]:
    if not stats["n"]:
        return [_text(left, y + 22, "no data", extra=' fill="#999"')]
    median, p90 = stats["median_s"], stats["p90_s"]
    tip = f"median {duration(median)}, p90 {duration(p90)}, n={stats['n']}"
    return [
        f"<g><title>{escape(tip)}</title>"
        f'<rect x="{left:.1f}" y="{y + 16}" width="{max(x(p90) - left, 1):.1f}" height="10" '
        f'fill="{color}" opacity="0.3"/>'
        f'<rect x="{left:.1f}" y="{y + 16}" width="{max(x(median) - left, 1):.1f}" height="10" '
        f'fill="{color}"/></g>',
        _text(left, y + 12, f"{duration(median)} / {duration(p90)}", extra=' font-size="10"'),
    ]


def actions_chart(groups: dict[str, dict[str, Any]], title: str, width: int = 960) -> str:
    """A stacked bar of action states per group (one colour per state), with the overdue
    count, closure and recurrence rates; bars share one scale (the largest group)."""
    label_width, row, top, right = 120, 26, 64, 270
    height = top + row * max(len(groups), 1) + 10
    most = max((g["actions"]["total"] for g in groups.values()), default=0) or 1
    x = _scale(0, most, label_width, width - right)
    body = [_text(8, 18, title, extra=' font-size="13" font-weight="bold"')]
    for index, (state, color) in enumerate(STATE_COLORS.items()):
        left = 8 + index * 112
        body.append(
            f'<rect class="state-{state}" x="{left}" y="30" width="10" height="10" fill="{color}"/>'
        )
        body.append(_text(left + 14, 39, state.replace("_", " ")))
    for index, (name, group) in enumerate(groups.items()):
        y = top + index * row
        counts = group["actions"]
        by_state = counts.get("by_state") or {}
        body.append(_text(8, y + 14, f"{name} ({counts['total']})"))
        start = 0
        for state, color in STATE_COLORS.items():
            value = by_state.get(state, 0)
            if value:
                begin, span = x(start), x(start + value) - x(start)
                body.append(
                    f'<rect class="state-{state}" x="{begin:.1f}" y="{y + 3}" '
                    f'width="{span:.1f}" height="14" fill="{color}">'
                    f"<title>{escape(state.replace('_', ' '))}: {value}</title></rect>"
                )
            start += value
        closure, recurrence = group["closure_rate"], group["recurrence_rate"]
        summary = (
            f"{counts['overdue']} overdue · closure "
            f"{'-' if closure is None else f'{closure:.0%}'} · recurrence "
            f"{'-' if recurrence is None else f'{recurrence:.2f}'}"
        )
        body.append(_text(width - right + 10, y + 14, summary))
    return _svg(width, height, title, body)


def trend_chart(by_quarter: dict[str, dict[str, Any]], title: str, width: int = 960) -> str:
    """Median (solid) and p90 (dashed) of each measure per quarter, on a log time axis."""
    left, right, top, bottom = 70, 200, 40, 40
    height = 320
    quarters = list(by_quarter)
    values = [
        by_quarter[q][m][k]
        for q in quarters
        for m in MEASURE_LABELS
        for k in ("median_s", "p90_s")
        if by_quarter[q][m][k] is not None and by_quarter[q][m][k] > 0
    ]
    body = [_text(8, 18, title, extra=' font-size="13" font-weight="bold"')]
    if not values:
        body.append(_text(left, top + 40, "no durations yet", extra=' fill="#999"'))
        return _svg(width, 120, title, body)
    low = math.log10(max(min(values), 1.0))
    high = math.log10(max(max(values), 10.0))
    y = _scale(low - 0.1, high + 0.1, height - bottom, top)
    step = (width - left - right) / max(len(quarters) - 1, 1)

    def x(index: int) -> float:
        return left + (index * step if len(quarters) > 1 else (width - left - right) / 2)

    body += _log_grid(low, high, y, left, width - right)
    for index, quarter in enumerate(quarters):
        body.append(_text(x(index), height - bottom + 16, quarter, "middle"))
    for number, measure in enumerate(MEASURE_LABELS):
        color = MEASURE_COLORS[measure]
        for key, dash in (("median_s", ""), ("p90_s", ' stroke-dasharray="5 4"')):
            points = [
                (x(i), y(math.log10(by_quarter[q][measure][key])))
                for i, q in enumerate(quarters)
                if (by_quarter[q][measure][key] or 0) > 0
            ]
            body += _series(points, color, dash)
        body.append(
            f'<rect x="{width - right + 12}" y="{top + number * 18}" width="14" '
            f'height="3" fill="{color}"/>'
        )
        body.append(_text(width - right + 30, top + number * 18 + 5, MEASURE_LABELS[measure]))
    body.append(_text(width - right + 12, top + 5 * 18 + 8, "solid: median; dashed: p90"))
    return _svg(width, height, title, body)


def _series(points: list[tuple[float, float]], color: str, dash: str) -> list[str]:
    if not points:
        return []
    path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
    dots = "".join(
        f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5" fill="{color}"/>' for px, py in points
    )
    return [
        f'<polyline fill="none" stroke="{color}" stroke-width="1.8"{dash} points="{path}"/>',
        dots,
    ]


def _log_grid(
    low: float, high: float, y: Callable[[float], float], left: float, right: float
) -> list[str]:
    ticks = [60, 600, 3600, 6 * 3600, 86400, 7 * 86400, 30 * 86400, 365 * 86400]
    body = []
    for seconds in ticks:
        level = math.log10(seconds)
        if low - 0.1 <= level <= high + 0.1:
            body.append(
                f'<line x1="{left}" x2="{right}" y1="{y(level):.1f}" y2="{y(level):.1f}" '
                'stroke="#e5e5e5"/>'
            )
            body.append(_text(left - 6, y(level) + 4, duration(seconds), "end"))
    return body

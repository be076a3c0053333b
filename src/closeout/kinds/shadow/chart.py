"""The ``shadow`` chart: each compared metric's improvement with its interval and bound (SVG)."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from closeout.kinds._toolkit.svg import nice_ticks, scale, tick_label, write_svg

WIDTH = 900
ROW = 46
TOP = 74
LEFT, RIGHT = 300, 40
OUTCOME_COLORS = {"pass": "#2ca02c", "fail": "#d62728", "inconclusive": "#ff7f0e"}


def difference_chart(path: Path, comparisons: list[dict[str, Any]], title: str) -> None:
    """One row per compared metric and slice: the improvement, its interval, the bound."""
    low, high = _domain(comparisons)
    x = scale(low, high, LEFT, WIDTH - RIGHT)
    height = TOP + ROW * len(comparisons) + 50
    confidence = comparisons[0]["confidence"] if comparisons else 0.95
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="11">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="20" y="22" font-size="14" font-weight="bold">{escape(title)}</text>',
        f'<text x="20" y="40">Improvement of the candidate over the baseline (sign flipped '
        f"where lower is better) with its {confidence * 100:g}% paired bootstrap interval</text>",
        '<text x="20" y="54">dashed: the bound the interval must clear '
        "(-margin for non_inferior, by for better_than_baseline)</text>",
        f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="{TOP - 8}" y2="{height - 42}" stroke="#999"/>',
    ]
    for index, entry in enumerate(comparisons):
        parts += _row(entry, TOP + index * ROW + ROW // 2, x)
    parts += _axis(low, high, x, height - 30)
    parts.append("</svg>")
    write_svg(path, "\n".join(parts))


def _bounds(entry: dict[str, Any]) -> list[tuple[str, float]]:
    found = []
    if "non_inferior_margin" in entry:
        found.append(("non_inferior", -float(entry["non_inferior_margin"])))
    if "better_than_baseline_by" in entry:
        found.append(("better_than_baseline", float(entry["better_than_baseline_by"])))
    return found


def _domain(comparisons: list[dict[str, Any]]) -> tuple[float, float]:
    values = [0.0]
    for entry in comparisons:
        values += [float(v) for v in entry["interval"] if v is not None]
        values += [float(entry["improvement"])]
        values += [bound for _, bound in _bounds(entry)]
    low, high = min(values), max(values)
    if high == low:
        low, high = low - 0.01, high + 0.01
    pad = (high - low) * 0.04
    ticks = nice_ticks(low - pad, high + pad, 5)
    return ticks[0], ticks[-1]


def _worst(entry: dict[str, Any]) -> str:
    outcomes = set(entry.get("outcomes", {}).values())
    for name in ("fail", "inconclusive", "pass"):
        if name in outcomes:
            return name
    return "inconclusive"


def _row(entry: dict[str, Any], middle: int, x: Any) -> list[str]:
    color = OUTCOME_COLORS[_worst(entry)]
    low, high = (float(v) for v in entry["interval"])
    gain = float(entry["improvement"])
    where = "" if entry["slice"] == "all" else f" [{entry['slice']}]"
    label = f"{entry['metric']}{where}"
    out = [
        f'<text x="20" y="{middle - 3}" font-weight="bold">{escape(label)}</text>',
        f'<text x="20" y="{middle + 11}" fill="#555">{entry["rows"]} rows, {_worst(entry)}: '
        f"{gain:+.4f} [{low:+.4f}, {high:+.4f}]</text>",
        f'<line x1="{x(low):.1f}" x2="{x(high):.1f}" y1="{middle}" y2="{middle}" '
        f'stroke="{color}" stroke-width="3"/>',
    ]
    for end in (low, high):
        out.append(
            f'<line x1="{x(end):.1f}" x2="{x(end):.1f}" y1="{middle - 6}" y2="{middle + 6}" '
            f'stroke="{color}" stroke-width="2"/>'
        )
    out.append(
        f'<circle cx="{x(gain):.1f}" cy="{middle}" r="4.5" fill="{color}">'
        f"<title>{escape(label)}: {gain:+.4f} [{low:+.4f}, {high:+.4f}]</title></circle>"
    )
    for rule, bound in _bounds(entry):
        out.append(
            f'<line x1="{x(bound):.1f}" x2="{x(bound):.1f}" y1="{middle - 14}" '
            f'y2="{middle + 14}" stroke="#333" stroke-dasharray="4 3">'
            f"<title>{escape(rule)} bound {bound:+g}</title></line>"
        )
    return out


def _axis(low: float, high: float, x: Any, baseline: int) -> list[str]:
    out = [
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{baseline - 12}" y2="{baseline - 12}" '
        'stroke="#999"/>'
    ]
    ticks = nice_ticks(low, high, 5)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    for value in ticks:
        out.append(
            f'<text x="{x(value):.1f}" y="{baseline + 2}" text-anchor="middle">'
            f"{tick_label(value, step, signed=True)}</text>"
        )
    return out

"""Key figures of a shadow run (SPEC §8): point estimates and intervals per metric and slice."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from closeout._format import number
from closeout.kind import Figures


def figures(metrics: Mapping[str, Any]) -> Figures:
    """Point estimates and intervals per compared metric and slice."""
    out: Figures = []
    for entry in metrics.get("comparisons") or []:
        if not isinstance(entry, dict) or "metric" not in entry:
            continue
        label = str(entry["metric"])
        if entry.get("slice") not in (None, "all"):
            label += f" [{entry['slice']}]"
        out.append((label, _estimate(entry)))
    return out


def _estimate(entry: dict[str, Any]) -> str:
    text = f"candidate {number(entry.get('candidate'))}"
    if entry.get("baseline") is not None:
        text += f" vs baseline {number(entry.get('baseline'))}"
    interval = entry.get("interval") or []
    improvement = entry.get("improvement")
    if isinstance(improvement, int | float):
        text += f"; improvement {improvement:+.4g}"
        if len(interval) == 2 and all(isinstance(v, int | float) for v in interval):
            confidence = entry.get("confidence")
            level = f" {confidence:.0%}" if isinstance(confidence, int | float) else ""
            text += f" [{interval[0]:+.4g}, {interval[1]:+.4g}]{level}"
    if entry.get("rows") is not None:
        text += f" (n={number(entry['rows'])})"
    return text

"""Terminal renderings of the metrics, drawn by the one table renderer (``_terminal``)."""

from __future__ import annotations

from typing import Any

from closeout._format import duration, percent, rate, stamp
from closeout._terminal import table
from closeout.reports.metrics import MEASURES

GROUPINGS = (
    ("overall", "all"),
    ("by_severity", "severity"),
    ("by_category", "category"),
    ("by_quarter", "quarter"),
)


def _groups(metrics: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    rows = [("all", metrics["overall"])]
    for key, label in GROUPINGS[1:]:
        rows += [(f"{label} {name}", stats) for name, stats in metrics[key].items()]
    return rows


def metrics_text(metrics: dict[str, Any]) -> str:
    """Two tables: durations (median / p90, with n) and actions, one row per group."""
    period = metrics.get("period")
    head = f"{metrics['overall']['incidents']} incident(s)"
    if period:
        head += f", started {stamp(period['from'])[:10]} to {stamp(period['to'])[:10]}"
    if metrics.get("as_of"):
        head += f"; action states as of {stamp(metrics['as_of'])} UTC"
    groups = _groups(metrics)
    durations = table(
        ["group", "incidents", *[m.removeprefix("time_to_") for m, _ in MEASURES]],
        [
            [name, stats["incidents"], *[_spread(stats[m]) for m, _ in MEASURES]]
            for name, stats in groups
        ],
    )
    actions = table(
        [
            "group",
            "actions",
            "open",
            "overdue",
            "closed",
            "waived",
            "not doing",
            "closure rate",
            "recurrences",
            "recurrence rate",
        ],
        [
            [
                name,
                stats["actions"]["total"],
                stats["actions"]["open"],
                stats["actions"]["overdue"],
                stats["actions"]["closed"],
                stats["actions"]["waived"],
                stats["actions"]["not_doing"],
                percent(stats["closure_rate"]),
                stats["recurrences"],
                rate(stats["recurrence_rate"]),
            ]
            for name, stats in groups
        ],
    )
    legend = (
        "durations: median / p90 (n); p90 by linear interpolation, never means; diagnose from "
        "detection, close from detection to the first closure record, the rest from the start"
    )
    return "\n\n".join([head, durations, legend, actions])


def _spread(stats: dict[str, Any]) -> str:
    if not stats["n"]:
        return "-"
    return f"{duration(stats['median_s'])} / {duration(stats['p90_s'])} ({stats['n']})"

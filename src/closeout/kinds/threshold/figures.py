"""Key figures of a threshold run for reports (SPEC §8): first firing and firing intervals."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from closeout._format import duration, stamp
from closeout._time import parse_aware
from closeout.kind import Figures

MAX_INTERVALS = 3


def figures(metrics: Mapping[str, Any]) -> Figures:
    """The rules evaluated (a rule file, its revision; the engine), then first firing and
    firing intervals per alert."""
    out: Figures = _rules(metrics)
    alerts = metrics.get("alerts")
    for alert, info in (alerts if isinstance(alerts, dict) else {}).items():
        if not isinstance(info, dict):
            continue
        first = info.get("first_fires_at")
        after = info.get("first_fires_after")
        value = _moment(first) + (
            f" ({after} after start)" if after and not _relative(first) else ""
        )
        out.append((f"{alert} first fires", value if first else "never fires"))
        intervals = [i for i in info.get("firing_intervals") or [] if isinstance(i, list)]
        if intervals:
            shown = [_interval(i) for i in intervals[:MAX_INTERVALS]]
            more = len(intervals) - MAX_INTERVALS
            out.append(
                (f"{alert} firing", "; ".join(shown) + (f"; +{more} more" if more > 0 else ""))
            )
    return out


def _rules(metrics: Mapping[str, Any]) -> Figures:
    """``rules``: ``path @ rev (commit)`` for a rule file, and the engine when it is promtool;
    nothing for inline rules run by closeout's engine (their figures stay as they were)."""
    source = metrics.get("rules_file")
    out: Figures = []
    if isinstance(source, dict) and source.get("path"):
        shown = str(source["path"])
        if source.get("rev"):
            shown += f" @ {source['rev']} ({str(source.get('commit', ''))[:12]})"
        out.append(("rules", shown))
    if metrics.get("engine") == "promtool":
        out.append(("engine", "promtool"))
    return out


def _relative(value: object) -> bool:
    """A threshold scenario without ``start`` counts time from 0: its times are 1970 ones."""
    return isinstance(value, str) and value.startswith("1970-01-01T")


def _moment(value: object) -> str:
    """A firing time: the date and time, or the offset from 0 for a scenario without start."""
    if _relative(value):
        try:
            return duration(parse_aware(str(value)).timestamp())
        except ValueError:
            return str(value)
    return stamp(value)


def _interval(pair: list[Any]) -> str:
    begin = _moment(pair[0]) if pair else "?"
    end = _moment(pair[1]) if len(pair) > 1 and pair[1] is not None else "end"
    if len(begin) == len(end) == 16 and end[:10] == begin[:10]:
        end = end[11:]
    return f"{begin} → {end}"

"""Key figures and artifacts of a run record, for any kind.

Known kinds get the figures their SPEC section names (threshold: first firing and firing
intervals per alert; drift_replay: fired_at, detection delay, lead time, false alarms;
shadow: point estimates and intervals; synthetic: examples and failures). Any other kind, or
a record whose metrics lack those keys, gets its top-level scalar metrics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from closeout._time import parse_aware
from closeout.reports.fmt import duration, number, stamp

Figures = list[tuple[str, str]]
MAX_FIGURES = 8
MAX_INTERVALS = 3


def key_figures(record: dict[str, Any]) -> Figures:
    """The few numbers that say what a run found, as (label, value) pairs."""
    metrics = record.get("metrics")
    if not isinstance(metrics, dict):
        return []
    by_kind = _KNOWN.get(str(record.get("kind")))
    found = by_kind(metrics) if by_kind else []
    return (found or generic_figures(metrics))[:MAX_FIGURES]


def _threshold(metrics: dict[str, Any]) -> Figures:
    out: Figures = []
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


def _drift(metrics: dict[str, Any]) -> Figures:
    out: Figures = []
    if "fired_at" in metrics:
        out.append(("fired at", stamp(metrics["fired_at"]) if metrics["fired_at"] else "never"))
    for key, label in (("detection_delay", "detection delay"), ("lead_time", "lead time")):
        seconds = metrics.get(f"{key}_s")
        if isinstance(seconds, int | float):
            out.append((label, duration(float(seconds))))
        elif metrics.get(key) is not None:
            out.append((label, str(metrics[key])))
    for key in ("false_alarms_before_onset", "windows_evaluated"):
        if key in metrics:
            out.append((key.replace("_", " "), number(metrics[key])))
    control = metrics.get("control")
    if isinstance(control, dict) and "false_alarms" in control:
        upper = control.get("false_alarm_rate_upper_95")
        bound = f" (95% upper bound {upper:.1%})" if isinstance(upper, int | float) else ""
        out.append(
            (
                "control false alarms",
                f"{number(control['false_alarms'])} in {number(control.get('windows'))} "
                f"windows{bound}",
            )
        )
    return out


def _shadow(metrics: dict[str, Any]) -> Figures:
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


def _synthetic(metrics: dict[str, Any]) -> Figures:
    out: Figures = []
    for key in ("examples", "examples_run", "edge_cases", "failures", "rejected", "accepted"):
        if isinstance(metrics.get(key), int | float | bool):
            out.append((key.replace("_", " "), number(metrics[key])))
    for key in ("property", "failed_property", "broken_property"):
        if isinstance(metrics.get(key), str):
            out.append(("property broken", metrics[key]))
    counter = metrics.get("counterexample")
    if isinstance(counter, list):
        out.append(("counterexample rows", number(len(counter))))
    return out + [f for f in generic_figures(metrics) if f[0] not in {o[0] for o in out}]


_KNOWN: dict[str, Callable[[dict[str, Any]], Figures]] = {
    "threshold": _threshold,
    "drift_replay": _drift,
    "shadow": _shadow,
    "synthetic": _synthetic,
}


def generic_figures(metrics: dict[str, Any]) -> Figures:
    """Top-level scalars (and scalars one level down), in the order the kind wrote them."""
    out: Figures = []
    for key, value in metrics.items():
        if _scalar(value) and not (key.endswith("_s") and key[:-2] in metrics):
            out.append((key.replace("_", " "), _show(value)))
        elif isinstance(value, dict):
            out += [
                (f"{key} {sub}".replace("_", " "), _show(inner))
                for sub, inner in value.items()
                if _scalar(inner)
            ]
        if len(out) >= MAX_FIGURES:
            break
    return out[:MAX_FIGURES]


def _scalar(value: Any) -> bool:
    return isinstance(value, bool | int | float) or (isinstance(value, str) and len(value) <= 80)


def _show(value: Any) -> str:
    return stamp(value) if isinstance(value, str) else number(value)


@dataclass(frozen=True)
class Artifact:
    path: str  # project-relative, as the record lists it
    kind: str  # image | html | other
    label: str


def artifacts(record: dict[str, Any]) -> list[Artifact]:
    """The files a run wrote (charts, evidently reports), labelled by the side they show."""
    out = []
    for path in record.get("artifacts") or []:
        if not isinstance(path, str):
            continue
        name = PurePosixPath(path).name
        suffix = PurePosixPath(path).suffix.lower()
        kind = "image" if suffix in (".svg", ".png") else "html" if suffix == ".html" else "other"
        words = PurePosixPath(path).stem.split("-")
        side = "pre-fix state" if "before" in words else "fixed state" if "fixed" in words else name
        label = f"{side} (evidently report)" if kind == "html" else side
        out.append(Artifact(path, kind, label))
    return out

"""Key figures of a drift_replay run (SPEC §8): firing, detection delay, lead time, false alarms."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from closeout._format import duration, number, stamp
from closeout.kind import Figures


def figures(metrics: Mapping[str, Any]) -> Figures:
    """fired_at, detection delay, lead time, false alarms."""
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

"""Key figures of a shadow run (SPEC §8): point estimates and intervals per metric and slice.

Figures are read from sealed records of every version: a number may be a float, None (not
defined, e.g. agreement has no baseline) or a non-finite number's string, in the policy's
spelling (``"NaN"``) or the one v0.1 wrote (``"nan"``); ``closeout._numbers`` reads both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from closeout._format import number
from closeout._numbers import decode_number, is_nonfinite_marker
from closeout.kind import Figures


def figures(metrics: Mapping[str, Any]) -> Figures:
    """The MLflow models compared (if any), then point estimates and intervals per compared
    metric and slice."""
    out: Figures = [(f"{role} model", _model(metrics[role]["mlflow"])) for role in _models(metrics)]
    for entry in metrics.get("comparisons") or []:
        if not isinstance(entry, dict) or "metric" not in entry:
            continue
        label = str(entry["metric"])
        if entry.get("slice") not in (None, "all"):
            label += f" [{entry['slice']}]"
        out.append((label, _estimate(entry)))
    return out


def _models(metrics: Mapping[str, Any]) -> list[str]:
    """The roles whose predictions came from an MLflow model (SPEC §13)."""
    return [
        role
        for role in ("candidate", "baseline")
        if isinstance(metrics.get(role), dict) and isinstance(metrics[role].get("mlflow"), dict)
    ]


def _model(info: Mapping[str, Any]) -> str:
    """``models:/name@alias (version 2, run 1a2b3c4d, sha256 0123456789ab)``."""
    parts = [f"version {info['version']}"] if info.get("version") else []
    if info.get("run_id"):
        parts.append(f"run {str(info['run_id'])[:8]}")
    if info.get("sha256"):
        parts.append(f"sha256 {str(info['sha256'])[:12]}")
    return f"{info.get('uri')} ({', '.join(parts)})" if parts else str(info.get("uri"))


def _estimate(entry: dict[str, Any]) -> str:
    text = f"candidate {number(_read(entry.get('candidate')))}"
    if entry.get("baseline") is not None:
        text += f" vs baseline {number(_read(entry.get('baseline')))}"
    interval = [decode_number(v) for v in entry.get("interval") or []]
    improvement = decode_number(entry.get("improvement"))
    if improvement is not None:
        text += f"; improvement {improvement:+.4g}"
        if len(interval) == 2 and interval[0] is not None and interval[1] is not None:
            confidence = entry.get("confidence")
            level = f" {confidence:.0%}" if isinstance(confidence, int | float) else ""
            text += f" [{interval[0]:+.4g}, {interval[1]:+.4g}]{level}"
    if entry.get("rows") is not None:
        text += f" (n={number(entry['rows'])})"
    return text


def _read(value: Any) -> Any:
    """A non-finite number's string, in either spelling, as the float it stands for."""
    return decode_number(value) if is_nonfinite_marker(value) else value

"""Key figures of a synthetic run (SPEC §8): examples, failures, the property broken, and
where the time went, under labels a reader knows (never the metric's internal key)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from closeout._format import duration, number
from closeout.kind import Figures, generic_figures

# metric key -> label; in the order they are shown
COUNTS = (
    ("examples", "examples"),
    ("examples_run", "examples run"),
    ("edge_cases", "edge cases"),
    ("failures", "failures"),
    ("rejected", "rejected"),
    ("accepted", "accepted"),
    ("edge_case_polish_calls", "edge-case polishing calls"),
)
TIMES = (
    ("total", "total time"),
    ("hypothesis", "time in hypothesis"),
    ("subject", "time in the subject"),
)
NAMES = (
    ("property", "property broken"),
    ("failed_property", "property broken"),
    ("broken_property", "property broken"),
)
# shown above under a label of their own, or (``searches``) only in the evidence
HANDLED = ("counterexample", "counterexamples", "timing_s", "searches")


def figures(metrics: Mapping[str, Any]) -> Figures:
    """Counts, the broken property and its counterexamples, then the time split."""
    out: Figures = []
    for key, label in COUNTS:
        if isinstance(metrics.get(key), int | float | bool):
            out.append((label, number(metrics[key])))
    for key, label in NAMES:
        if isinstance(metrics.get(key), str):
            out.append((label, metrics[key]))
    out += _counterexamples(metrics.get("counterexample"), metrics.get("counterexamples"))
    timing = metrics.get("timing_s")
    timing = timing if isinstance(timing, dict) else {}
    for key, label in TIMES:
        if isinstance(timing.get(key), int | float):
            out.append((label, _seconds(float(timing[key]))))
    handled = {key for key, _ in (*COUNTS, *NAMES)} | set(HANDLED)
    rest = {key: value for key, value in metrics.items() if key not in handled}
    return out + generic_figures(rest)


def _seconds(value: float) -> str:
    """``2.4s`` below a minute (a tenth shows where the time went), ``3m12s`` beyond."""
    return f"{value:.1f}s" if value < 60 else duration(value)


def _counterexamples(single: object, found: object) -> Figures:
    """How many rows the counterexample has, or how many faults found one."""
    if isinstance(single, list):
        return [("counterexample rows", number(len(single)))]
    if isinstance(found, dict):
        return [("counterexamples found", number(len(found)))]
    return []

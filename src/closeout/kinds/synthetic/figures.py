"""Key figures of a synthetic run (SPEC §8): examples, failures and the property broken."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from closeout._format import number
from closeout.kind import Figures, generic_figures


def figures(metrics: Mapping[str, Any]) -> Figures:
    """Examples, failures, the broken property and the counterexample size."""
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

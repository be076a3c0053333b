"""Running a ``synthetic`` scenario: load the callables, run the mode, time who spent what.

The modes live in ``transform`` and ``validator``. Every run reports ``metrics.timing_s``:
seconds in hypothesis (drawing and shrinking examples), in closeout (building frames,
injecting faults, judging properties) and in the user's code.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from time import perf_counter
from typing import Any

from closeout.callables import load_callable
from closeout.errors import DataError
from closeout.kind import KindResult, RunContext
from closeout.kinds.synthetic.frames import edge_case_frames
from closeout.kinds.synthetic.search import reporting
from closeout.kinds.synthetic.spec import CheckCallable, SyntheticScenario
from closeout.kinds.synthetic.strategies import Timers
from closeout.kinds.synthetic.transform import TransformRun
from closeout.kinds.synthetic.validator import ValidatorRun


def run(scenario: SyntheticScenario, function: str, context: RunContext) -> KindResult:
    """Run ``function`` (the fixed or the pre-fix subject) against the scenario."""
    started = perf_counter()
    subject = load_checked(function, context, 1, "one DataFrame")
    edges = edge_case_frames(scenario, context.project)
    timers = Timers()
    metrics: dict[str, Any] = {
        "mode": scenario.mode,
        "function": function,
        "seed": context.seed,
        "examples": scenario.examples,
        "edge_cases": len(edges),
    }
    with reporting(context.progress):  # examples tried, shown on a terminal
        if scenario.mode == "transform":
            checks = {
                p.check: load_checked(p.check, context, 2, "(input_df, output_df)")
                for p in scenario.properties
                if isinstance(p, CheckCallable)
            }
            run_mode = TransformRun(scenario, subject, checks, timers)
            outcomes, found = run_mode.run(edges, context.seed)
        else:
            outcomes, found = ValidatorRun(scenario, subject, timers).run(edges, context.seed)
    metrics.update(found)
    metrics["timing_s"] = timing(timers, perf_counter() - started)
    tracebacks = [
        c["traceback"] for c in found.get("counterexamples", {}).values() if c.get("traceback")
    ]
    return KindResult(
        outcomes=outcomes, metrics=metrics, traceback=tracebacks[0] if tracebacks else None
    )


def load_checked(ref: str, context: RunContext, arity: int, shape: str) -> Callable[..., Any]:
    """Import a callable and check it accepts ``arity`` positional arguments (else DataError)."""
    function = load_callable(ref, context.project)
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # some builtins have no signature: just call them
        return function
    try:
        signature.bind(*range(arity))
    except TypeError as exc:
        raise DataError(
            f"{ref}: wrong signature: closeout calls it with {shape}, but it is "
            f"{getattr(function, '__name__', ref)}{signature} ({exc})"
        ) from None
    return function


def timing(timers: Timers, total: float) -> dict[str, float]:
    """Seconds by who spent them; hypothesis is what the total leaves."""
    own = timers.build + timers.properties
    return {
        "total": round(total, 4),
        "hypothesis": round(max(0.0, total - own - timers.subject), 4),
        "closeout": round(own, 4),
        "subject": round(timers.subject, 4),
    }

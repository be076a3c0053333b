"""What either engine observed (each alert instance's firing state at every evaluation), and
the expectations judged against it.

An alert *instance* is one label set of an alert (``sum by (job)`` gives one per job); its
labels are the full set after the rule's own ``labels``, ``alertname`` excluded, as
promtool's ``exp_labels``. An expectation without ``labels`` is about any instance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from closeout._time import format_duration_ms, from_ms, iso_z
from closeout.kinds.threshold import promql
from closeout.kinds.threshold.promtool import Instance, Labels
from closeout.kinds.threshold.rules_file import AlertRule
from closeout.kinds.threshold.spec import ExpectAt, Expectation, ExpectFirstFires
from closeout.models import Outcome


@dataclass
class AlertObservation:
    """One alert's instances, their firing state over the grid, and their annotations."""

    rule: AlertRule
    instances: dict[Labels, promql.AlertTrace] = field(default_factory=dict)
    # annotations of each instance at each evaluation it fired (promtool expands templates)
    annotations: dict[tuple[Labels, int], Labels] = field(default_factory=dict)
    grid: range = range(0)

    def any_instance(self) -> promql.AlertTrace:
        """Firing when any instance fires: the alert as a pager sees it."""
        if len(self.instances) == 1:
            return next(iter(self.instances.values()))
        trace = quiet_trace(self.grid)
        for other in self.instances.values():
            trace.firing = [a or b for a, b in zip(trace.firing, other.firing, strict=True)]
        return trace

    def trace(self, labels: Labels | None) -> promql.AlertTrace:
        """The instance with exactly ``labels``, or any instance when ``labels`` is None."""
        if labels is None:
            return self.any_instance()
        return self.instances.get(labels) or quiet_trace(self.grid)

    def firing_at(self, t: int) -> list[Instance]:
        """Every instance firing at the last evaluation at or before ``t``, with annotations."""
        index = bisect_index(self.grid, t)
        if index < 0:
            return []
        at = self.grid[index]
        return [
            Instance(labels, self.annotations.get((labels, at), self.rule.annotations))
            for labels, trace in sorted(self.instances.items())
            if trace.firing[index]
        ]


Observation = dict[str, AlertObservation]


def quiet_trace(grid: range) -> promql.AlertTrace:
    """A trace that never fires over ``grid``."""
    return promql.AlertTrace(list(grid), [False] * len(grid), [False] * len(grid))


def bisect_index(grid: range, t: int) -> int:
    """Index of the last grid time at or before ``t`` (-1 before the grid)."""
    if t < grid.start:
        return -1
    return min((t - grid.start) // grid.step, len(grid) - 1)


def labels_of(expectation: Expectation) -> Labels | None:
    """An expectation's ``labels`` as a sorted label set, None when it gives none."""
    if expectation.labels is None:
        return None
    return tuple(sorted(expectation.labels.items()))


def show_labels(labels: Labels) -> str:
    """``{job="a",severity="page"}``: a label set as Prometheus prints a series."""
    inner = ",".join(f'{name}="{_escape(value)}"' for name, value in labels)
    return "{" + inner + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def show_time(t: int, start_ms: int) -> str:
    """A time as its offset from start, plus the timestamp when the grid is anchored (not 0)."""
    offset = format_duration_ms(t - start_ms)
    return f"{offset} ({iso_z(from_ms(t))})" if start_ms else offset


def judge(expectation: Expectation, observed: Observation, start_ms: int, interval: int) -> Outcome:
    """One expectation's outcome against what the engine observed."""
    labels = labels_of(expectation)
    who = expectation.alert + (show_labels(labels) if labels is not None else "")
    alert = observed.get(expectation.alert)
    trace = alert.trace(labels) if alert is not None else promql.AlertTrace()
    first = trace.first_firing()
    if isinstance(expectation, ExpectAt):
        t = expectation.at.resolve(start_ms)
        firing = trace.firing_at_grid(t)
        detail = "" if alert is not None else "no such rule in this state"
        if alert is not None and labels is not None and firing != expectation.firing:
            others = [show_labels(i.labels) for i in alert.firing_at(t)]
            detail = f"firing instances: {', '.join(others) or 'none'}"
        return Outcome(
            name=f"{who} at {show_time(t, start_ms)}",
            outcome="pass" if firing == expectation.firing else "fail",
            observed="firing" if firing else "not firing",
            target="firing" if expectation.firing else "not firing",
            detail=detail,
        )
    if isinstance(expectation, ExpectFirstFires):
        target = expectation.first_fires_at.resolve(start_ms)
        ok = first is not None and first <= target < first + interval
        return Outcome(
            name=f"{who} first fires at",
            outcome="pass" if ok else "fail",
            observed=show_time(first, start_ms) if first is not None else "never fires",
            target=show_time(target, start_ms),
        )
    return Outcome(
        name=f"{who} never fires",
        outcome="pass" if first is None else "fail",
        observed="never fires" if first is None else f"fires at {show_time(first, start_ms)}",
        target="never fires",
    )


def alert_metrics(
    alert: AlertObservation, start_ms: int, interval: int, *, instances: bool
) -> dict[str, Any]:
    """An alert's rule, first firing and firing intervals (and, per instance, the same)."""
    rule = alert.rule
    metrics: dict[str, Any] = {
        "expr": rule.expr,
        "for": format_duration_ms(rule.for_ms),
        "keep_firing_for": format_duration_ms(rule.keep_firing_for_ms),
        **_firing(alert.any_instance(), start_ms, interval),
    }
    if instances:
        metrics["instances"] = [
            {"labels": dict(labels), **_firing(trace, start_ms, interval)}
            for labels, trace in sorted(alert.instances.items())
            if trace.first_firing() is not None
        ]
    return metrics


def _firing(trace: promql.AlertTrace, start_ms: int, interval: int) -> dict[str, Any]:
    first = trace.first_firing()
    return {
        "first_fires_at": iso_z(from_ms(first)) if first is not None else None,
        "first_fires_after": format_duration_ms(first - start_ms) if first is not None else None,
        "firing_intervals": [
            [iso_z(from_ms(a)), iso_z(from_ms(b)) if b is not None else None]
            for a, b in trace.intervals(interval)
        ],
    }

"""SPEC §9 metrics: time to detect, diagnose, mitigate, resolve and close; action counts;
closure and recurrence rates, across the archive by severity, root-cause category and quarter.

Definitions (also emitted under ``definitions`` in ``closeout metrics --json``):

- time to detect = detected_at - started_at; diagnose = diagnosed_at - detected_at;
  mitigate = mitigated_at - started_at; resolve = resolved_at - started_at (per incident,
  skipped when a timestamp is missing); time to close = the action's first closure record
  - detected_at (per action that has a closure record; waivers are not closures).
- Aggregates are the median and the 90th percentile, never the mean, with the *linear*
  quantile (Hyndman & Fan type 7: numpy's default ``linear``, R's type 7, Python's
  ``statistics.quantiles(method="inclusive")``): over sorted x[0..n-1], h = (n-1)·p and
  q = x[⌊h⌋] + (h - ⌊h⌋)·(x[⌊h⌋+1] - x[⌊h⌋]). The median is q(0.5), the usual median.
- Groups: an incident belongs to its severity, to the UTC quarter of its started_at, and to
  every category among its root causes; an action belongs to its incident's severity and
  quarter and to the categories of the root causes it addresses.
- Actions: closed = closed on evidence and not regressed (a stale closure still counts);
  waived and not_doing are settled without evidence; every other state is open; overdue is
  the SPEC §5 flag. closure rate = closed ÷ (closed + open).
- recurrence rate = recurrence records ÷ actions ever closed (with at least one closure
  record), over the incidents of the group (the whole archive for ``overall``).
- time to close by action type: the time to close of the group's actions of each type
  (detect, prevent, mitigate, process), median and p90.
- refuted hypothesis share (SPEC §14) = incidents with at least one refuted hypothesis ÷
  incidents that record hypotheses, overall and by severity; an incident without hypotheses
  is left out (it did not record an investigation, so it says nothing either way).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from closeout.reports.facts import CATEGORIES, SEVERITIES, ActionFact, IncidentFact
from closeout.reports.facts import seconds_between as between

MEASURES: tuple[tuple[str, str], ...] = (
    ("time_to_detect", "detected_at - started_at"),
    ("time_to_diagnose", "diagnosed_at - detected_at"),
    ("time_to_mitigate", "mitigated_at - started_at"),
    ("time_to_resolve", "resolved_at - started_at"),
    ("time_to_close", "first closure record - detected_at, per action"),
)
ACTION_TYPES = ("detect", "prevent", "mitigate", "process")
QUANTILE_METHOD = (
    "linear (Hyndman & Fan type 7, numpy's default): sorted x[0..n-1], h = (n-1)p, "
    "q = x[floor(h)] + (h - floor(h)) * (x[floor(h)+1] - x[floor(h)])"
)


def quantile(values: Iterable[float], p: float) -> float:
    """The linear (type 7) quantile of ``values`` at ``p`` in [0, 1]; ValueError when empty."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("quantile of no values")
    if not 0 <= p <= 1:
        raise ValueError(f"quantile level {p} is outside [0, 1]")
    position = (len(ordered) - 1) * p
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (position - below) * (ordered[above] - ordered[below])


def spread(values: Sequence[float]) -> dict[str, Any]:
    """``{"n", "median_s", "p90_s"}``; the quantiles are None when there is no value."""
    if not values:
        return {"n": 0, "median_s": None, "p90_s": None}
    return {"n": len(values), "median_s": quantile(values, 0.5), "p90_s": quantile(values, 0.9)}


def incident_durations(fact: IncidentFact) -> dict[str, float | None]:
    """Seconds of each per-incident measure (None when a timestamp is missing)."""
    return {
        "time_to_detect": between(fact.detected_at, fact.started_at),
        "time_to_diagnose": between(fact.diagnosed_at, fact.detected_at),
        "time_to_mitigate": between(fact.mitigated_at, fact.started_at),
        "time_to_resolve": between(fact.resolved_at, fact.started_at),
    }


def time_to_close(fact: IncidentFact, action: ActionFact) -> float | None:
    return between(action.first_closed_at, fact.detected_at)


def action_counts(actions: Sequence[ActionFact]) -> dict[str, Any]:
    """Open, overdue, closed, waived, not_doing, every state, and the closure rate."""
    closed = sum(a.closed for a in actions)
    waived = sum(a.state == "waived" for a in actions)
    not_doing = sum(a.state == "not_doing" for a in actions)
    open_count = len(actions) - closed - waived - not_doing
    by_state: dict[str, int] = {}
    for action in actions:
        by_state[action.state] = by_state.get(action.state, 0) + 1
    return {
        "total": len(actions),
        "open": open_count,
        "overdue": sum(a.overdue for a in actions),
        "closed": closed,
        "waived": waived,
        "not_doing": not_doing,
        "by_state": dict(sorted(by_state.items())),
        "closure_rate": closed / (closed + open_count) if closed + open_count else None,
    }


def recurrence(actions: Sequence[ActionFact]) -> dict[str, Any]:
    records = sum(a.recurrences for a in actions)
    ever_closed = sum(a.first_closed_at is not None for a in actions)
    return {
        "recurrences": records,
        "ever_closed": ever_closed,
        "recurrence_rate": records / ever_closed if ever_closed else None,
    }


def group_stats(
    incidents: Sequence[IncidentFact], actions: Sequence[tuple[IncidentFact, ActionFact]]
) -> dict[str, Any]:
    """Every aggregate of SPEC §9 over one group of incidents and actions."""
    durations = [incident_durations(fact) for fact in incidents]
    out: dict[str, Any] = {"incidents": len(incidents)}
    for measure, _ in MEASURES[:-1]:
        out[measure] = spread(_present(d[measure] for d in durations))
    out["time_to_close"] = spread(_present(time_to_close(f, a) for f, a in actions))
    out["time_to_close_by_action_type"] = {
        kind: spread(_present(time_to_close(f, a) for f, a in actions if a.type == kind))
        for kind in ACTION_TYPES
    }
    only_actions = [action for _, action in actions]
    out["actions"] = action_counts(only_actions)
    out["closure_rate"] = out["actions"]["closure_rate"]
    out.update(recurrence(only_actions))
    return out


def _present(values: Iterable[float | None]) -> list[float]:
    return [v for v in values if v is not None]


def _grouped(
    facts: Sequence[IncidentFact],
    incident_keys: Callable[[IncidentFact], Iterable[str]],
    action_keys: Callable[[IncidentFact, ActionFact], Iterable[str]],
    order: Sequence[str] | None,
) -> dict[str, Any]:
    incidents: dict[str, list[IncidentFact]] = {}
    actions: dict[str, list[tuple[IncidentFact, ActionFact]]] = {}
    for fact in facts:
        for key in incident_keys(fact):
            incidents.setdefault(key, []).append(fact)
        for action in fact.actions:
            for key in action_keys(fact, action):
                actions.setdefault(key, []).append((fact, action))
    keys = set(incidents) | set(actions)
    ranked = [k for k in order if k in keys] if order is not None else sorted(keys)
    return {key: group_stats(incidents.get(key, []), actions.get(key, [])) for key in ranked}


def refuted_share(
    facts: Sequence[IncidentFact], hypotheses: Mapping[str, Sequence[str]]
) -> dict[str, Any]:
    """How many incidents record hypotheses, how many refuted at least one, and the share."""
    statuses = [hypotheses.get(fact.id, ()) for fact in facts]
    recorded = sum(1 for found in statuses if found)
    refuted = sum(1 for found in statuses if "refuted" in found)
    return {
        "incidents_with_hypotheses": recorded,
        "with_refuted_hypothesis": refuted,
        "refuted_hypothesis_share": refuted / recorded if recorded else None,
    }


def compute(
    facts: Sequence[IncidentFact],
    as_of: datetime | None = None,
    hypotheses: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """The archive metrics: overall, by severity, by root-cause category, by quarter.

    ``hypotheses`` maps an incident id to the statuses of its hypotheses (SPEC §14)."""
    found = hypotheses or {}
    by_severity = {sev: [f for f in facts if f.severity == sev] for sev in SEVERITIES}
    pairs = [(fact, action) for fact in facts for action in fact.actions]
    starts = sorted(fact.started_at for fact in facts)
    return {
        "as_of": _iso(as_of) if as_of else None,
        "period": {"from": _iso(starts[0]), "to": _iso(starts[-1])} if starts else None,
        "definitions": {
            **dict(MEASURES),
            "quantile": QUANTILE_METHOD,
            "closure_rate": "closed / (closed + open); waived and not_doing excluded",
            "recurrence_rate": "recurrence records / actions with a closure record",
            "quarter": "UTC quarter of started_at",
            "time_to_close_by_action_type": "time_to_close of the actions of each type",
            "refuted_hypothesis_share": (
                "incidents with a refuted hypothesis / incidents that record hypotheses"
            ),
        },
        "overall": group_stats(facts, pairs),
        "by_severity": _grouped(
            facts, lambda f: [f.severity], lambda f, _: [f.severity], SEVERITIES
        ),
        "by_category": _grouped(
            facts, lambda f: f.categories, lambda _, a: a.categories, CATEGORIES
        ),
        "by_quarter": _grouped(facts, lambda f: [f.quarter], lambda f, _: [f.quarter], None),
        "investigation": {
            "overall": refuted_share(facts, found),
            "by_severity": {s: refuted_share(g, found) for s, g in by_severity.items() if g},
        },
        "incidents": [_incident_row(fact) for fact in facts],
        "actions": [_action_row(fact, action) for fact, action in pairs],
    }


def _incident_row(fact: IncidentFact) -> dict[str, Any]:
    return {
        "incident": fact.id,
        "severity": fact.severity,
        "quarter": fact.quarter,
        "categories": list(fact.categories),
        "started_at": _iso(fact.started_at),
        **{f"{name}_s": value for name, value in incident_durations(fact).items()},
    }


def _action_row(fact: IncidentFact, action: ActionFact) -> dict[str, Any]:
    return {
        "incident": fact.id,
        "action": action.id,
        "state": action.state,
        "overdue": action.overdue,
        "categories": list(action.categories),
        "closed_at": _iso(action.first_closed_at) if action.first_closed_at else None,
        "time_to_close_s": time_to_close(fact, action),
        "recurrences": action.recurrences,
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

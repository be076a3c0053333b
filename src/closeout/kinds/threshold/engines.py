"""The two engines, one answer: each alert instance's firing state at every evaluation.

- ``closeout``: Prometheus' alerting state machine on closeout's subset (``promql``), in
  process; an alert has one instance, labelled by the rule's own ``labels``.
- ``promtool``: the real ``promtool test rules`` on a generated test file. Every alert under
  test gets an ``alert_rule_test`` expecting nothing at every evaluation of the grid, so
  promtool prints exactly the instances that fire, when, with their labels and annotations.
"""

from __future__ import annotations

from collections.abc import Mapping

from closeout.errors import DataError
from closeout.kinds.threshold import promql, promtool
from closeout.kinds.threshold.judge import AlertObservation, Observation, quiet_trace
from closeout.kinds.threshold.promtool import Labels
from closeout.kinds.threshold.rules_file import AlertRule
from closeout.kinds.threshold.testfile import AlertTest, Inputs, document

RULES_FILE = "rules.yml"
TEST_FILE = "test.yml"
# Each evaluation of each alert is one alert_rule_test: this bounds the file promtool reads.
MAX_ALERT_TESTS = 500_000


def closeout_engine(
    rules: list[AlertRule], series: dict[str, promql.Series], grid: range, lookback_ms: int
) -> Observation:
    """Evaluate subset rules in process (one instance per alert)."""
    observed: Observation = {}
    for rule in rules:
        trace = promql.evaluate_alert(
            promql.parse_expr(rule.expr),
            series,
            grid,
            rule.for_ms,
            rule.keep_firing_for_ms,
            lookback_ms,
        )
        observed[rule.alert] = AlertObservation(rule, {rule.labels: trace}, grid=grid)
    return observed


def promtool_test_file(inputs: Inputs, names: list[str], grid: range, interval_ms: int) -> str:
    """The generated test: every alert in ``names`` expected quiet at every grid time."""
    count = len(grid) * len(names)
    if count > MAX_ALERT_TESTS:
        raise DataError(
            f"{count} alert checks ({len(grid)} evaluations x {len(names)} alerts): more than "
            f"{MAX_ALERT_TESTS}; use a longer interval, a shorter period or fewer alerts"
        )
    tests = (AlertTest(t - grid.start, name) for t in grid for name in names)
    return document(RULES_FILE, interval_ms, inputs, tests)


def promtool_engine(
    binary: str,
    rules: list[AlertRule],
    rule_text: str,
    inputs: Inputs,
    grid: range,
    interval_ms: int,
) -> Observation:
    """Evaluate the rule file with ``promtool test rules`` (see the module docstring)."""
    names = list(dict.fromkeys(rule.alert for rule in rules))
    test = promtool_test_file(inputs, names, grid, interval_ms)
    try:
        firings = promtool.run_tests(binary, {RULES_FILE: rule_text, TEST_FILE: test}, TEST_FILE)
    except promtool.PromtoolError as exc:
        raise DataError(str(exc)) from None
    return observation(rules, firings, grid)


def observation(rules: list[AlertRule], firings: list[promtool.Firing], grid: range) -> Observation:
    """Firing instances per alert from what promtool printed."""
    first_rule: dict[str, AlertRule] = {}
    for rule in rules:
        first_rule.setdefault(rule.alert, rule)
    observed = {name: AlertObservation(rule, grid=grid) for name, rule in first_rule.items()}
    index_of = {t - grid.start: i for i, t in enumerate(grid)}
    for firing in firings:
        alert = observed.get(firing.alertname)
        index = index_of.get(firing.time_ms)
        if alert is None or index is None:
            continue
        for instance in firing.got:
            labels = _without_alertname(instance.labels)
            trace = alert.instances.get(labels)
            if trace is None:
                trace = alert.instances[labels] = quiet_trace(grid)
            trace.firing[index] = True
            alert.annotations[(labels, grid[index])] = instance.annotations
    return observed


def _without_alertname(labels: Labels) -> Labels:
    return tuple(pair for pair in labels if pair[0] != "alertname")


def notation_of(specs: Mapping[str, object]) -> dict[str, str | None]:
    """Each series' expanding notation as the scenario wrote it; None for a file series."""
    return {name: spec if isinstance(spec, str) else None for name, spec in specs.items()}

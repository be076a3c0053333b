"""Static checks of a threshold scenario for ``closeout lint``: no data is read."""

from __future__ import annotations

import re

from closeout.errors import Problem
from closeout.kind import Locate
from closeout.kinds._toolkit.data import check_data_file
from closeout.kinds.threshold import promql
from closeout.kinds.threshold.spec import (
    FileSeries,
    Rule,
    ThresholdScenario,
    expectation_time,
)
from closeout.models import suggest
from closeout.project import Project

# PromQL keywords: a series with one of these names could not be used in an expression.
_RESERVED = {"and", "or", "unless", "bool", "on", "ignoring"}
_METRIC_NAME = re.compile(r"^[A-Za-z_:][A-Za-z0-9_:]*$")


def check(scenario: ThresholdScenario, project: Project, locate: Locate) -> list[Problem]:
    """Names defined, alert names unique and known, files inside the project and present."""
    problems: list[Problem] = []
    names = list(scenario.series)
    for name in names:
        if not promql_name_ok(name):
            problems.append(
                Problem(
                    locate(("series", name)),
                    f"series.{name}",
                    f"'{name}' is not a valid series name",
                )
            )
    problems += _check_rules(scenario.rules, names, ("rules",), locate)
    if scenario.before is not None:
        problems += _check_rules(scenario.before.rules, names, ("before", "rules"), locate)
    alerts = [rule.alert for rule in scenario.rules]
    for index, expectation in enumerate(scenario.expect):
        if expectation.alert not in alerts:
            problems.append(
                Problem(
                    locate(("expect", index, "alert")),
                    f"expect[{index}].alert",
                    f"no rule defines alert '{expectation.alert}'"
                    f"{suggest(expectation.alert, alerts)}",
                )
            )
    problems += _check_files(scenario, project, locate)
    problems += _check_durations(scenario, locate)
    return problems


def promql_name_ok(name: str) -> bool:
    """``name`` is a Prometheus metric name and no PromQL keyword."""
    return name not in _RESERVED and bool(_METRIC_NAME.match(name))


def _check_rules(
    rules: list[Rule], names: list[str], prefix: tuple[str, ...], locate: Locate
) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        field = ".".join(prefix) + f"[{index}]"
        if rule.alert in seen:
            problems.append(
                Problem(
                    locate((*prefix, index, "alert")),
                    f"{field}.alert",
                    f"alert '{rule.alert}' is defined twice",
                )
            )
        seen.add(rule.alert)
        for used in promql.series_names(promql.parse_expr(rule.expr)):
            if used not in names:
                problems.append(
                    Problem(
                        locate((*prefix, index, "expr")),
                        f"{field}.expr",
                        f"'{used}' is not a defined series{suggest(used, names)}; "
                        f"series: {', '.join(names)}",
                    )
                )
    return problems


def _check_files(scenario: ThresholdScenario, project: Project, locate: Locate) -> list[Problem]:
    problems: list[Problem] = []
    for name, spec in scenario.series.items():
        if isinstance(spec, FileSeries):
            problems += check_data_file(spec.file, ("series", name, "file"), project, locate)
    return problems


def _check_durations(scenario: ThresholdScenario, locate: Locate) -> list[Problem]:
    problems: list[Problem] = []
    for field in ("interval", "lookback"):
        if getattr(scenario, field) <= 0:
            problems.append(Problem(locate((field,)), field, "must be longer than 0s"))
    has_anchor = scenario.start is not None or any(
        isinstance(s, FileSeries) for s in scenario.series.values()
    )
    for index, expectation in enumerate(scenario.expect):
        when = expectation_time(expectation)
        if when is not None and when.absolute_ms is not None and not has_anchor:
            problems.append(
                Problem(
                    locate(("expect", index)),
                    f"expect[{index}]",
                    "an absolute time needs `start` (or a series read from a file)",
                )
            )
    return problems

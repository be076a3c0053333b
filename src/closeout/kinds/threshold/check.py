"""Static checks of a threshold scenario for ``closeout lint``: no data is read.

A rule file is read (from the working tree or with ``git show``) and checked as Prometheus
would load it: its structure here, its PromQL by ``promtool check rules`` when promtool is
installed. Both locate their problems in the rule file (``alerts.yml@v1.4.0:12`` for a
revision). ``engine_notes`` says which engine each state will use (lint prints it).
"""

from __future__ import annotations

import re
from functools import lru_cache

from closeout.errors import Location, Problem
from closeout.kind import Locate
from closeout.kinds._toolkit.data import check_columns, check_data_file, header_columns
from closeout.kinds.threshold import promql, promtool
from closeout.kinds.threshold.source import SourceError
from closeout.kinds.threshold.spec import (
    FileSeries,
    Rule,
    RulesFileRef,
    ThresholdScenario,
    expectation_time,
    rules_file_of,
)
from closeout.kinds.threshold.subject import (
    RuleSet,
    choose_engine,
    file_rule_set,
    group_interval_problem,
    inline_rule_set,
    read_rule_file,
)
from closeout.models import suggest
from closeout.project import Project

# PromQL keywords: a series with one of these names could not be used in an expression.
_RESERVED = {"and", "or", "unless", "bool", "on", "ignoring"}
_METRIC_NAME = re.compile(r"^[A-Za-z_:][A-Za-z0-9_:]*$")
# A series as promtool's input_series writes it: name{label="value", ...}
_LABELLED = re.compile(
    r"^(?P<name>[A-Za-z_:][A-Za-z0-9_:]*)\{\s*(?P<labels>(?:[A-Za-z_][A-Za-z0-9_]*\s*=\s*"
    r'"(?:[^"\\]|\\.)*"\s*,?\s*)*)\}$'
)
_LABEL_NAME = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"')

Where = tuple[str | int, ...]


def check(scenario: ThresholdScenario, project: Project, locate: Locate) -> list[Problem]:
    """Names defined, alerts known, rule files readable and valid, files present."""
    problems: list[Problem] = []
    for name in scenario.series:
        if not series_name_ok(name):
            problems.append(
                Problem(
                    locate(("series", name)),
                    f"series.{name}",
                    f"'{name}' is not a valid series name"
                    + (' (write labels as name{label="value"})' if "{" in name else ""),
                )
            )
    fixed, found = _state(scenario, scenario.rules, scenario.rules_file, (), project, locate)
    problems += found
    if scenario.before is not None:
        before = scenario.before
        _, found = _state(scenario, before.rules, before.rules_file, ("before",), project, locate)
        problems += found
    if fixed is not None:
        problems += _check_under_test(scenario, fixed, locate)
    problems += _check_files(scenario, project, locate)
    problems += _check_durations(scenario, locate)
    return problems


def series_name_ok(name: str) -> bool:
    """``name`` is a metric name (no PromQL keyword), optionally with distinct labels."""
    if name in _RESERVED:
        return False
    if _METRIC_NAME.match(name):
        return True
    match = _LABELLED.match(name)
    if match is None:
        return False
    labels = _LABEL_NAME.findall(match["labels"])
    return len(labels) == len(set(labels))


def metric_name(series: str) -> str:
    """The metric name of a series key (``x{a="b"}`` -> ``x``)."""
    return series.partition("{")[0]


def _state(
    scenario: ThresholdScenario,
    rules: list[Rule] | None,
    rules_file: RulesFileRef | None,
    prefix: Where,
    project: Project,
    locate: Locate,
) -> tuple[RuleSet | None, list[Problem]]:
    """One state's rules (None when they cannot be read) and the problems found."""
    names = list(dict.fromkeys(metric_name(s) for s in scenario.series))
    rule_set: RuleSet | None
    if rules is not None:
        problems = _check_rules(rules, names, (*prefix, "rules"), locate)
        rule_set = inline_rule_set(rules, None)
    elif rules_file is not None:
        rule_set, problems = _check_rules_file(rules_file, (*prefix, "rules_file"), project, locate)
    else:
        return None, []
    if rule_set is not None:
        problems += _engine_problems(scenario, rule_set, prefix, locate)
    return rule_set, problems


def _check_rules(
    rules: list[Rule], names: list[str], where: Where, locate: Locate
) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        field = ".".join(str(p) for p in where) + f"[{index}]"
        if rule.alert in seen:
            problems.append(
                Problem(
                    locate((*where, index, "alert")),
                    f"{field}.alert",
                    f"alert '{rule.alert}' is defined twice",
                )
            )
        seen.add(rule.alert)
        for used in promql.series_names(promql.parse_expr(rule.expr)):
            if used not in names:
                problems.append(
                    Problem(
                        locate((*where, index, "expr")),
                        f"{field}.expr",
                        f"'{used}' is not a defined series{suggest(used, names)}; "
                        f"series: {', '.join(names)}",
                    )
                )
    return problems


def _check_rules_file(
    ref: RulesFileRef, where: Where, project: Project, locate: Locate
) -> tuple[RuleSet | None, list[Problem]]:
    field = ".".join(str(p) for p in where)
    try:
        text, parsed = read_rule_file(rules_file_of(ref), project)
    except SourceError as exc:
        return None, [Problem(locate(where), field, str(exc))]
    problems = list(parsed.problems)
    binary = promtool.find_promtool()
    if not problems and binary is not None:
        problems += [
            Problem(Location(text.display, line or 1), "", f"promtool check rules: {message}")
            for line, message in _promtool_check(binary, text.text)
        ]
    if problems:
        return None, problems
    return file_rule_set(text, parsed, None), []


@lru_cache(maxsize=64)
def _promtool_check(binary: str, text: str) -> tuple[tuple[int, str], ...]:
    """promtool's verdict on a rule file's text (cached: lint loads a scenario many times)."""
    try:
        return tuple(promtool.check_rules(binary, text))
    except promtool.PromtoolError as exc:
        return ((0, str(exc)),)


def _engine_problems(
    scenario: ThresholdScenario, rules: RuleSet, prefix: Where, locate: Locate
) -> list[Problem]:
    under_test = _restricted(rules, scenario.alerts)
    choice = choose_engine(scenario, under_test)
    problems = []
    if choice.problem is not None:
        key: Where = ("engine",) if scenario.engine != "auto" else ("lookback",)
        problems.append(Problem(locate(key), ".".join(map(str, key)), choice.problem))
    interval = group_interval_problem(scenario, under_test)
    if interval is not None:
        problems.append(Problem(locate(("interval",)), "interval", interval))
    return problems


def _restricted(rules: RuleSet, wanted: list[str] | None) -> RuleSet:
    if wanted is None:
        return rules
    alerts = [r for r in rules.alerts if r.alert in wanted]
    return RuleSet(alerts, rules.records, rules.groups, rules.text, rules.source)


def _check_under_test(scenario: ThresholdScenario, fixed: RuleSet, locate: Locate) -> list[Problem]:
    """Every name in ``alerts`` is in the fixed rules; every expectation names one under test."""
    available = fixed.alert_names()
    where = f"in {fixed.source.display}" if fixed.source is not None else "in rules"
    problems = []
    for index, name in enumerate(scenario.alerts or []):
        if name not in available:
            problems.append(
                Problem(
                    locate(("alerts", index)),
                    f"alerts[{index}]",
                    f"no alert '{name}' {where}{suggest(name, available)}; "
                    f"alerts: {', '.join(available) or 'none'}",
                )
            )
    if problems:  # the expectations are judged against the list once it is right
        return problems
    under_test = [a for a in available if scenario.alerts is None or a in scenario.alerts]
    for index, expectation in enumerate(scenario.expect):
        if expectation.alert not in under_test:
            problems.append(
                Problem(
                    locate(("expect", index, "alert")),
                    f"expect[{index}].alert",
                    _not_under_test(expectation.alert, fixed, under_test, available),
                )
            )
    return problems


def _not_under_test(alert: str, fixed: RuleSet, under_test: list[str], available: list[str]) -> str:
    if fixed.source is None:
        return f"no rule defines alert '{alert}'{suggest(alert, available)}"
    if alert in available:
        return f"alert '{alert}' is not under test; alerts: {', '.join(under_test)}"
    return f"no alert '{alert}' in {fixed.source.display}{suggest(alert, available)}"


def _check_files(scenario: ThresholdScenario, project: Project, locate: Locate) -> list[Problem]:
    """Series files present, and their timestamp and value columns in the file's header."""
    problems: list[Problem] = []
    for name, spec in scenario.series.items():
        if not isinstance(spec, FileSeries):
            continue
        missing = check_data_file(spec.file, ("series", name, "file"), project, locate)
        # An empty file has no header to compare with: the run says it is empty.
        if not missing and header_columns(project.resolve_inside(spec.file)) != []:
            problems += check_columns(project, spec.file, _columns(name, spec), locate)
        problems += missing
    return problems


def _columns(name: str, spec: FileSeries) -> list[tuple[str, tuple[str | int, ...]]]:
    """The columns a file series reads, each with where the scenario names it (the series
    name itself when ``column`` is left out)."""
    value: tuple[str | int, ...] = ("series", name, "column") if spec.column else ("series", name)
    return [(spec.timestamp, ("series", name, "timestamp")), (spec.column_for(name), value)]


def _check_durations(scenario: ThresholdScenario, locate: Locate) -> list[Problem]:
    problems: list[Problem] = []
    for field in ("interval", "lookback"):
        # None: lint checks what a file with a wrong interval gets right, without it.
        value = getattr(scenario, field, None)
        if value is not None and value <= 0:
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


def engine_notes(scenario: ThresholdScenario, project: Project, locate: Locate) -> list[Problem]:
    """Which engine each state uses (``info`` lines for lint), for scenarios that read a rule
    file or name an engine; nothing for the others, whose lint output stays as it was."""
    if scenario.rules_file is None and scenario.engine == "auto":
        return []
    states: list[tuple[str, Where, list[Rule] | None, RulesFileRef | None]] = [
        ("", (), scenario.rules, scenario.rules_file)
    ]
    if scenario.before is not None:
        states.append(("before: ", ("before",), scenario.before.rules, scenario.before.rules_file))
    notes = []
    for label, prefix, rules, rules_file in states:
        key: Where = (*prefix, "rules_file" if rules_file is not None else "rules")
        rule_set, problems = _state(scenario, rules, rules_file, prefix, project, locate)
        if rule_set is None or problems:
            continue
        choice = choose_engine(scenario, _restricted(rule_set, scenario.alerts))
        missing = choice.engine == "promtool" and promtool.find_promtool() is None
        message = f"{label}engine: {choice.engine} ({choice.reason})" + (
            "; promtool is not on PATH, so it cannot run here" if missing else ""
        )
        notes.append(Problem(locate(key), "", message, "info"))
    return notes

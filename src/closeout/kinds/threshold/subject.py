"""The subject of a threshold scenario as one thing: the rules under test, from inline
``rules`` or a ``rules_file``, and which engine evaluates them.

- ``resolve`` reads a rule file (``source``) and parses it (``rules_file``); inline rules
  become the same ``AlertRule`` values, and a rule file promtool can load.
- ``choose_engine`` applies ``engine: auto|closeout|promtool``: closeout's own engine when
  every expression under test is in its subset (``series op number`` joined by and/or, on
  series without labels), else promtool.
"""

from __future__ import annotations

from dataclasses import dataclass

from closeout._time import format_duration_ms
from closeout.errors import DataError
from closeout.kinds.threshold import promql
from closeout.kinds.threshold.promtool import quote
from closeout.kinds.threshold.rules_file import AlertRule, Group, RecordRule, RuleFile, parse
from closeout.kinds.threshold.source import RuleText, read_rules
from closeout.kinds.threshold.spec import (
    DEFAULT_LOOKBACK_MS,
    Rule,
    RulesFile,
    ThresholdScenario,
)
from closeout.project import Project

Subject = list[Rule] | RulesFile
PROMTOOL_LOOKBACK_MS = DEFAULT_LOOKBACK_MS  # Prometheus' --query.lookback-delta default


@dataclass(frozen=True)
class RuleSet:
    """The rules of one state (fixed or before), ready for either engine."""

    alerts: list[AlertRule]  # the alerting rules under test, in file order
    records: list[RecordRule]
    groups: list[Group]
    text: str  # a rule file promtool can load (the file itself, or the inline rules)
    source: RuleText | None  # None for inline rules

    @property
    def inline(self) -> bool:
        return self.source is None

    def alert_names(self) -> list[str]:
        """Names of the alerts under test, each once, in order."""
        return list(dict.fromkeys(rule.alert for rule in self.alerts))


@dataclass(frozen=True)
class EngineChoice:
    """The engine that evaluates a state, why, and what stops it (``problem``)."""

    engine: str  # closeout | promtool
    reason: str
    problem: str | None = None


def read_rule_file(ref: RulesFile, project: Project) -> tuple[RuleText, RuleFile]:
    """The rule file's text and its parsed groups; SourceError when it cannot be read."""
    text = read_rules(project, ref.path, ref.rev, ref.setup)
    return text, parse(text.text, text.display)


def resolve(subject: Subject, project: Project, wanted: list[str] | None) -> RuleSet:
    """The rules of ``subject``; ``wanted`` restricts the alerts under test (None: all).
    A rule file that cannot be read is a SourceError; one that is not valid a DataError."""
    if isinstance(subject, RulesFile):
        text, parsed = read_rule_file(subject, project)
        if parsed.problems:
            raise DataError("\n".join(str(p) for p in parsed.problems))
        return file_rule_set(text, parsed, wanted)
    return inline_rule_set(subject, wanted)


def file_rule_set(text: RuleText, parsed: RuleFile, wanted: list[str] | None) -> RuleSet:
    """The rules of a parsed rule file; ``wanted`` restricts the alerts under test."""
    alerts = [r for r in parsed.alerts if wanted is None or r.alert in wanted]
    return RuleSet(alerts, parsed.records, parsed.groups, text.text, text)


def inline_rule_set(rules: list[Rule], wanted: list[str] | None) -> RuleSet:
    """The rules of inline ``rules``; ``wanted`` restricts the alerts under test."""
    converted = [inline_rule(rule) for rule in rules]
    alerts = [r for r in converted if wanted is None or r.alert in wanted]
    group = Group("closeout", 1, None, tuple(converted))
    return RuleSet(alerts, [], [group], inline_rule_file(rules), None)


def inline_rule(rule: Rule) -> AlertRule:
    """An inline scenario rule as an ``AlertRule``."""
    return AlertRule(
        alert=rule.alert,
        expr=rule.expr,
        for_ms=rule.for_,
        keep_firing_for_ms=rule.keep_firing_for,
        labels=tuple(sorted(rule.labels.items())),
        annotations=tuple(sorted(rule.annotations.items())),
    )


def inline_rule_file(rules: list[Rule]) -> str:
    """A Prometheus rule file holding the inline rules (one group)."""
    lines = ["groups:", "  - name: closeout", "    rules:"]
    for rule in rules:
        lines.append(f"      - alert: {quote(rule.alert)}")
        lines.append(f"        expr: {quote(rule.expr)}")
        if rule.for_:
            lines.append(f"        for: {format_duration_ms(rule.for_)}")
        if rule.keep_firing_for:
            lines.append(f"        keep_firing_for: {format_duration_ms(rule.keep_firing_for)}")
        for key in ("labels", "annotations"):
            values = getattr(rule, key)
            if values:
                pairs = ", ".join(f"{quote(k)}: {quote(v)}" for k, v in sorted(values.items()))
                lines.append(f"        {key}: {{{pairs}}}")
    return "\n".join(lines) + "\n"


def inline_rules_header(display: str) -> str:
    """The comment that opens an exported rule file made from inline rules."""
    return f"# The inline rules of {display}, as a Prometheus rule file.\n"


def subset_problem(rules: RuleSet, series_names: list[str]) -> str | None:
    """Why closeout's own engine cannot evaluate these rules, or None when it can. An
    expression beyond the subset is named first: it is what needs promtool."""
    recorded = {r.record for r in rules.records}
    seen: set[str] = set()
    for rule in rules.alerts:
        if rule.alert in seen:
            return f"alert {rule.alert} is defined by more than one rule"
        seen.add(rule.alert)
        try:
            expr = promql.parse_expr(rule.expr)
        except promql.NotationError:
            return f"{rule.alert}: '{short(rule.expr)}' is beyond closeout's subset"
        used = [name for name in promql.series_names(expr) if name in recorded]
        if used:
            return f"{rule.alert} uses the recording rule '{used[0]}'"
        if any("{{" in value for _, value in (*rule.labels, *rule.annotations)):
            # promtool expands templates; closeout's engine would keep them as written.
            return f"{rule.alert}'s labels or annotations are templates"
    labelled = next((name for name in series_names if "{" in name), None)
    return f"series '{labelled}' has labels" if labelled else None


def short(expr: str, limit: int = 100) -> str:
    """An expression on one line, cut to ``limit`` characters for a message."""
    flat = " ".join(expr.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def promtool_problem(scenario: ThresholdScenario) -> str | None:
    """Why promtool cannot evaluate this scenario the way it is written, or None."""
    if scenario.lookback != PROMTOOL_LOOKBACK_MS:
        return (
            f"promtool always looks back {format_duration_ms(PROMTOOL_LOOKBACK_MS)} "
            f"(lookback is {format_duration_ms(scenario.lookback)})"
        )
    return None


def choose_engine(scenario: ThresholdScenario, rules: RuleSet) -> EngineChoice:
    """``engine: auto|closeout|promtool`` applied to one state's rules."""
    beyond = subset_problem(rules, list(scenario.series))
    if scenario.engine == "closeout":
        problem = f"engine: closeout cannot evaluate these rules: {beyond}" if beyond else None
        return EngineChoice("closeout", "engine: closeout", problem)
    blocked = promtool_problem(scenario)
    if scenario.engine == "promtool":
        problem = f"engine: promtool cannot run this scenario: {blocked}" if blocked else None
        return EngineChoice("promtool", "engine: promtool", problem)
    if beyond is None:
        return EngineChoice("closeout", "every expression is in closeout's subset")
    problem = f"{beyond}, and {blocked}: use lookback: 5m" if blocked else None
    return EngineChoice("promtool", beyond, problem)


def group_interval_problem(scenario: ThresholdScenario, rules: RuleSet) -> str | None:
    """A group under test evaluated at another interval than the scenario's, or None."""
    names = set(rules.alert_names())
    for group in rules.groups:
        holds = any(getattr(rule, "alert", None) in names for rule in group.rules)
        if holds and group.interval_ms is not None and group.interval_ms != scenario.interval:
            return (
                f"group '{group.name}' is evaluated every {format_duration_ms(group.interval_ms)}"
                f" (its interval), the scenario every {format_duration_ms(scenario.interval)}: "
                f"set interval: {format_duration_ms(group.interval_ms)}"
            )
    return None

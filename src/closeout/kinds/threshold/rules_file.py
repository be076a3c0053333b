"""A Prometheus rule file (``groups`` -> ``rules``), read with line numbers.

The format is Prometheus' own (``rulefmt``): unknown keys, missing ``expr``, a rule that is
both ``alert`` and ``record``, or a ``for`` that is not a Prometheus duration are problems
located at ``file:line``. PromQL itself is not parsed here: ``promtool check rules`` does
that (``check``), and closeout's own engine reads only its subset (``promql``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from closeout._yaml import LineDict, LineList, load_text
from closeout.errors import Location, Problem, YamlError
from closeout.kinds.threshold.promtool import Labels, parse_duration
from closeout.models import suggest

_FILE_KEYS = {"groups"}
_GROUP_KEYS = {"name", "interval", "rules", "limit", "source_tenants"}
_ALERT_KEYS = {"alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
_RECORD_KEYS = {"record", "expr", "labels"}


@dataclass(frozen=True)
class AlertRule:
    """An alerting rule, from a rule file or from a scenario's inline ``rules``."""

    alert: str
    expr: str
    for_ms: int = 0
    keep_firing_for_ms: int = 0
    labels: Labels = ()
    annotations: Labels = ()
    line: int = 0  # in the rule file; 0 for an inline rule


@dataclass(frozen=True)
class RecordRule:
    """A recording rule: its result is a new series other rules can use."""

    record: str
    expr: str
    line: int = 0


@dataclass(frozen=True)
class Group:
    """A rule group; ``interval_ms`` is None when the group uses the global interval."""

    name: str
    line: int
    interval_ms: int | None
    rules: tuple[AlertRule | RecordRule, ...]


@dataclass
class RuleFile:
    """The groups of a rule file, and every problem found reading them."""

    groups: list[Group] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def alerts(self) -> list[AlertRule]:
        """Every alerting rule, in file order."""
        return [r for g in self.groups for r in g.rules if isinstance(r, AlertRule)]

    @property
    def records(self) -> list[RecordRule]:
        """Every recording rule, in file order."""
        return [r for g in self.groups for r in g.rules if isinstance(r, RecordRule)]

    def alert_names(self) -> list[str]:
        """Alert names in file order, each once."""
        return list(dict.fromkeys(rule.alert for rule in self.alerts))

    def group_of(self, alert: str) -> Group | None:
        """The first group holding an alerting rule named ``alert``."""
        return next(
            (g for g in self.groups for r in g.rules if getattr(r, "alert", None) == alert), None
        )


def parse(text: str, display: str) -> RuleFile:
    """Read a rule file; problems (located in ``display``) are collected, never raised."""
    result = RuleFile()
    try:
        raw = load_text(text, display)
    except YamlError as exc:
        result.problems += exc.problems
        return result
    at = _Locator(display)
    if not isinstance(raw, LineDict):
        result.problems.append(at.problem(raw, "", _not_a_rule_file(raw)))
        return result
    groups = raw.get("groups")
    if not isinstance(groups, LineList):
        found = groups if "groups" in raw else raw
        result.problems.append(at.problem(raw, "groups", _not_a_rule_file(found)))
        return result
    result.problems += at.unknown_keys(raw, _FILE_KEYS, "")
    for index, entry in enumerate(groups):
        group = _group(entry, groups.line_of(index), f"groups[{index}]", at, result.problems)
        if group is not None:
            result.groups.append(group)
    return result


def _not_a_rule_file(value: object) -> str:
    if isinstance(value, dict):
        found = f"a mapping of {', '.join(map(str, value))}" if value else "an empty mapping"
    elif isinstance(value, list):
        found = "a list"
    else:
        found = "nothing" if value is None else repr(value)
    expected = "expected `groups:` with a list of rule groups"
    return f"not a Prometheus rule file: {expected}, found {found}"


def _group(
    entry: Any, line: int, where: str, at: _Locator, problems: list[Problem]
) -> Group | None:
    if not isinstance(entry, LineDict):
        problems.append(Problem(Location(at.display, line), where, "a group must be a mapping"))
        return None
    problems += at.unknown_keys(entry, _GROUP_KEYS, where)
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        problems.append(at.problem(entry, "name", f"{where}.name: a group needs a name"))
    interval = at.duration(entry, "interval", where, problems) if "interval" in entry else None
    rules = entry.get("rules")
    if not isinstance(rules, LineList):
        problems.append(at.problem(entry, "rules", f"{where}.rules: expected a list of rules"))
        rules = LineList()
    parsed = [
        _rule(item, rules.line_of(i), f"{where}.rules[{i}]", at, problems)
        for i, item in enumerate(rules)
    ]
    return Group(str(name or ""), line, interval, tuple(r for r in parsed if r is not None))


def _rule(
    entry: Any, line: int, where: str, at: _Locator, problems: list[Problem]
) -> AlertRule | RecordRule | None:
    if not isinstance(entry, LineDict):
        problems.append(Problem(Location(at.display, line), where, "a rule must be a mapping"))
        return None
    if ("alert" in entry) == ("record" in entry):
        problems.append(
            Problem(Location(at.display, line), where, "a rule has exactly one of alert, record")
        )
        return None
    problems += at.unknown_keys(entry, _RECORD_KEYS if "record" in entry else _ALERT_KEYS, where)
    expr = entry.get("expr")
    if not isinstance(expr, str | int | float) or isinstance(expr, bool) or not str(expr).strip():
        problems.append(at.problem(entry, "expr", f"{where}: a rule needs `expr`"))
        return None
    if "record" in entry:
        at.label_map(entry, "labels", where, problems)
        return RecordRule(str(entry["record"]), str(expr), line)
    name = entry["alert"]
    if not isinstance(name, str) or not name:
        problems.append(at.problem(entry, "alert", f"{where}.alert: an alert needs a name"))
        return None
    return AlertRule(
        alert=name,
        expr=str(expr),
        for_ms=at.duration(entry, "for", where, problems) or 0,
        keep_firing_for_ms=at.duration(entry, "keep_firing_for", where, problems) or 0,
        labels=at.label_map(entry, "labels", where, problems),
        annotations=at.label_map(entry, "annotations", where, problems),
        line=entry.line_of("alert"),
    )


@dataclass(frozen=True)
class _Locator:
    """Problems located in the rule file being read."""

    display: str

    def problem(self, node: Any, key: str, message: str) -> Problem:
        line = node.line_of(key) if isinstance(node, LineDict) and key else 0
        return Problem(Location(self.display, line or getattr(node, "line", 0) or 1), "", message)

    def unknown_keys(self, node: LineDict, known: set[str], where: str) -> list[Problem]:
        prefix = f"{where}: " if where else ""
        return [
            self.problem(
                node,
                str(key),
                f"{prefix}unknown key '{key}'"
                + (suggest(str(key), sorted(known)) or f" (known: {', '.join(sorted(known))})"),
            )
            for key in node
            if key not in known
        ]

    def duration(self, node: LineDict, key: str, where: str, problems: list[Problem]) -> int | None:
        if key not in node:
            return None
        value = node[key]
        try:
            return parse_duration(str(value)) if isinstance(value, str) else _no_duration(value)
        except ValueError as exc:
            problems.append(self.problem(node, key, f"{where}.{key}: {exc}"))
            return None

    def label_map(self, node: LineDict, key: str, where: str, problems: list[Problem]) -> Labels:
        value = node.get(key)
        if value is None:
            return ()
        if not isinstance(value, LineDict) or not all(
            isinstance(v, str | int | float) and not isinstance(v, bool) for v in value.values()
        ):
            problems.append(self.problem(node, key, f"{where}.{key}: expected name: text pairs"))
            return ()
        return tuple(sorted((str(k), str(v)) for k, v in value.items()))


def _no_duration(value: object) -> int:
    raise ValueError(f'not a valid duration string: "{value}"')

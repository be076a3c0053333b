"""``threshold.subject``: the rules under test as one thing, and ``engine: auto`` choosing
closeout's engine exactly when every expression is in its subset."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
import yaml

from closeout.kinds.threshold import rules_file
from closeout.kinds.threshold.source import RuleText
from closeout.kinds.threshold.spec import ThresholdScenario
from closeout.kinds.threshold.subject import (
    choose_engine,
    file_rule_set,
    group_interval_problem,
    inline_rule_file,
    inline_rule_set,
)


def scenario(**fields: Any) -> ThresholdScenario:
    base: dict[str, Any] = {
        "action": "A1",
        "kind": "threshold",
        "interval": "1m",
        "series": {"errors": "0+1x10"},
        "rules": [{"alert": "E", "expr": "errors > 5"}],
        "expect": [{"alert": "E", "never_fires": True}],
    }
    return ThresholdScenario.model_validate(base | fields)


def from_file(text: str, wanted: list[str] | None = None):  # type: ignore[no-untyped-def]
    parsed = rules_file.parse(text, "alerts.yml")
    assert parsed.problems == []
    return file_rule_set(RuleText("alerts.yml", text, "0" * 64), parsed, wanted)


def rule_file(*rules: str, interval: str = "") -> str:
    head = "groups:\n  - name: g\n" + (f"    interval: {interval}\n" if interval else "")
    return head + "    rules:\n" + "".join(f"      - {r}\n" for r in rules)


def test_inline_subset_rules_use_closeouts_engine() -> None:
    found = scenario()
    assert found.rules is not None
    choice = choose_engine(found, inline_rule_set(found.rules, None))
    assert (choice.engine, choice.problem) == ("closeout", None)


@pytest.mark.parametrize(
    ("rules", "series", "reason"),
    [
        (
            ["{alert: E, expr: 'rate(errors[5m]) > 1'}"],
            {"errors": "0+1x10"},
            "beyond closeout's subset",
        ),
        (["{alert: E, expr: 'errors > 1'}"], {'errors{job="a"}': "0+1x10"}, "has labels"),
        (
            ["{record: 'e:r', expr: 'errors'}", "{alert: E, expr: 'e:r > 1'}"],
            {"errors": "1"},
            "uses the recording rule 'e:r'",
        ),
        (
            ["{alert: E, expr: 'errors > 1', labels: {x: '{{ $value }}'}}"],
            {"errors": "1"},
            "templates",
        ),
        (
            ["{alert: E, expr: 'errors > 1', annotations: {s: '{{ $value }}'}}"],
            {"errors": "1"},
            "templates",
        ),
        (
            ["{alert: E, expr: 'errors > 1'}", "{alert: E, expr: 'errors > 2'}"],
            {"errors": "1"},
            "more than one rule",
        ),
    ],
)
def test_auto_needs_promtool_beyond_the_subset(
    rules: list[str], series: dict[str, str], reason: str
) -> None:
    found = scenario(series=series)
    choice = choose_engine(found, from_file(rule_file(*rules)))
    assert choice.engine == "promtool" and reason in choice.reason and choice.problem is None


def test_subset_rules_from_a_file_use_closeouts_engine() -> None:
    choice = choose_engine(
        scenario(), from_file(rule_file("{alert: E, expr: 'errors > 1 or errors < 0'}"))
    )
    assert choice.engine == "closeout"


def test_the_alerts_under_test_decide_alone() -> None:
    text = rule_file("{alert: E, expr: 'errors > 1'}", "{alert: R, expr: 'rate(errors[5m]) > 1'}")
    assert choose_engine(scenario(), from_file(text, ["E"])).engine == "closeout"
    assert choose_engine(scenario(), from_file(text)).engine == "promtool"


def test_an_engine_that_cannot_run_the_scenario_is_a_problem() -> None:
    beyond = from_file(rule_file("{alert: E, expr: 'rate(errors[5m]) > 1'}"))
    choice = choose_engine(scenario(engine="closeout"), beyond)
    assert choice.problem is not None and "engine: closeout cannot evaluate" in choice.problem
    choice = choose_engine(scenario(engine="promtool", lookback="10m"), beyond)
    assert choice.problem is not None and "always looks back 5m (lookback is 10m)" in choice.problem
    choice = choose_engine(scenario(lookback="10m"), beyond)
    assert choice.problem is not None and "use lookback: 5m" in choice.problem
    # closeout's engine honours any lookback
    assert (
        choose_engine(
            scenario(lookback="10m"), from_file(rule_file("{alert: E, expr: 'errors > 1'}"))
        ).problem
        is None
    )


def test_a_group_evaluated_at_another_interval_is_named() -> None:
    rules = from_file(rule_file("{alert: E, expr: 'errors > 1'}", interval="30s"))
    problem = group_interval_problem(scenario(), rules)
    assert problem is not None and "group 'g' is evaluated every 30s" in problem
    assert group_interval_problem(scenario(interval="30s"), rules) is None


def test_inline_rules_become_a_rule_file_prometheus_reads_the_same() -> None:
    found = scenario(
        rules=[
            {
                "alert": "E",
                "expr": "errors > 5",
                "for": "5m",
                "keep_firing_for": "1m",
                "labels": {"severity": "page", "q": 'say "hi"'},
                "annotations": {"s": "é"},
            },
            {"alert": "F", "expr": "errors < 1"},
        ]
    )
    assert found.rules is not None
    text = inline_rule_file(found.rules)
    assert yaml.safe_load(text) == {
        "groups": [
            {
                "name": "closeout",
                "rules": [
                    {
                        "alert": "E",
                        "expr": "errors > 5",
                        "for": "5m",
                        "keep_firing_for": "1m",
                        "labels": {"q": 'say "hi"', "severity": "page"},
                        "annotations": {"s": "é"},
                    },
                    {"alert": "F", "expr": "errors < 1"},
                ],
            }
        ]
    }
    read_back = [replace(rule, line=0) for rule in rules_file.parse(text, "x").alerts]
    assert read_back == inline_rule_set(found.rules, None).alerts

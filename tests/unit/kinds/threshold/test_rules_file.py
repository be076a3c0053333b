"""``threshold.rules_file``: a Prometheus rule file read with line numbers; every mistake a
located problem (never an exception)."""

from __future__ import annotations

import pytest

from closeout.kinds.threshold import rules_file
from closeout.kinds.threshold.rules_file import AlertRule, RecordRule

GOOD = """\
groups:
  - name: scorer
    interval: 1m
    rules:
      - record: job:errors:rate5m
        expr: sum by (job) (rate(errors_total[5m]))
      - alert: ScorerErrors
        expr: job:errors:rate5m > 0.5
        for: 5m
        keep_firing_for: 1m30s
        labels: {severity: page}
        annotations:
          summary: "{{ $value }} errors/s"
  - name: other
    rules:
      - alert: Up
        expr: 1
"""


def test_a_rule_file_is_read_with_lines() -> None:
    parsed = rules_file.parse(GOOD, "alerts.yml")
    assert parsed.problems == []
    assert [g.name for g in parsed.groups] == ["scorer", "other"]
    assert parsed.groups[0].interval_ms == 60_000 and parsed.groups[1].interval_ms is None
    assert parsed.records == [
        RecordRule("job:errors:rate5m", "sum by (job) (rate(errors_total[5m]))", 5)
    ]
    assert parsed.alerts == [
        AlertRule(
            "ScorerErrors",
            "job:errors:rate5m > 0.5",
            for_ms=300_000,
            keep_firing_for_ms=90_000,
            labels=(("severity", "page"),),
            annotations=(("summary", "{{ $value }} errors/s"),),
            line=7,
        ),
        AlertRule("Up", "1", line=16),
    ]
    assert parsed.alert_names() == ["ScorerErrors", "Up"]
    assert parsed.group_of("Up") is parsed.groups[1]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("foo: bar\n", 1, "not a Prometheus rule file"),
        ("- alert: A\n  expr: up\n", 1, "not a Prometheus rule file"),
        ("groups: {}\n", 1, "not a Prometheus rule file"),
        ("", 1, "not a Prometheus rule file"),
        (
            "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        bogus: 1\n",
            6,
            "unknown key 'bogus'",
        ),
        (
            "groups:\n  - name: g\n    rules:\n      - alert: A\n        record: b\n        expr: up\n",
            4,
            "exactly one of alert, record",
        ),
        ("groups:\n  - name: g\n    rules:\n      - alert: A\n", 4, "a rule needs `expr`"),
        (
            "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        for: 5x\n",
            6,
            'not a valid duration string: "5x"',
        ),
        (
            "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        for: 5\n",
            6,
            "not a valid duration",
        ),
        (
            "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        labels: [a]\n",
            6,
            "expected name: text pairs",
        ),
        ("groups:\n  - rules: []\n", 2, "needs a name"),
        ("groups:\n  - name: g\n    rules: up\n", 3, "expected a list of rules"),
        ("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: 'up\n", 5, ""),
        ("groups:\n  - name: g\n    rules:\n      - just a string\n", 4, "must be a mapping"),
    ],
)
def test_each_mistake_is_located(text: str, line: int, message: str) -> None:
    parsed = rules_file.parse(text, "monitoring/alerts.yml@v1.4.0")
    assert parsed.problems, text
    problem = parsed.problems[0]
    assert problem.location.path == "monitoring/alerts.yml@v1.4.0"
    assert problem.location.line == line
    assert message in problem.message

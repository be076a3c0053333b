"""Differential test: the promtool engine against hand-written promtool tests, on rules
beyond closeout's subset (rate, a regex label matcher, sum by, unless, offset, a recording
rule).

Each case is a rule file, input series and alert tests whose expected alerts were worked out
by hand (the comments show the arithmetic). First the hand-written test must pass under the
real ``promtool test rules`` (so the expectations are right); then the same rules and series
run as a closeout scenario (``rules_file``, engine chosen by ``auto``) must see, at every
hand-checked time, exactly the hand-written firing label sets, and its ``at`` expectations
built from them must all pass.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from closeout.kinds.threshold.judge import judge
from closeout.kinds.threshold.run import evaluate
from closeout.kinds.threshold.spec import ThresholdScenario, rules_file_of
from closeout.project import Project

pytestmark = [
    pytest.mark.promtool,
    pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed"),
]

Labels = dict[str, str]


@dataclass(frozen=True)
class Case:
    rules: list[dict[str, object]]
    series: dict[str, str]
    # alert -> minute -> label sets expected firing (alertname excluded)
    expected: dict[str, dict[int, list[Labels]]]


CASES = {
    # rate over 5m of a counter growing 60/min from 0: Prometheus divides the (start-clamped)
    # increase by the 5m range: 1m -> 60/300 = 0.2, 2m -> 0.4, 3m -> 0.6 > 0.5.
    # job b grows 6/min (at most 0.1/s); code 404 grows fast but the matcher excludes it.
    "rate-with-a-regex-matcher": Case(
        rules=[{"alert": "Errors", "expr": 'rate(requests_total{code=~"5.."}[5m]) > 0.5'}],
        series={
            'requests_total{code="500",job="a"}': "0+60x20",
            'requests_total{code="500",job="b"}': "0+6x20",
            'requests_total{code="404",job="a"}': "0+600x20",
        },
        expected={
            "Errors": {
                2: [],
                3: [{"code": "500", "job": "a"}],
                10: [{"code": "500", "job": "a"}],
            }
        },
    ),
    # Each instance's rate over 2m is 1/s from 2m on (0.5/s at 1m); job a has two instances.
    "sum-by-job": Case(
        rules=[
            {
                "alert": "Busy",
                "expr": "sum by (job) (rate(x_total[2m])) > 1.5",
                "labels": {"severity": "ticket"},
            }
        ],
        series={
            'x_total{job="a",instance="1"}': "0+60x10",
            'x_total{job="a",instance="2"}': "0+60x10",
            'x_total{job="b",instance="1"}': "0+60x10",
        },
        expected={
            "Busy": {
                1: [],
                2: [{"job": "a", "severity": "ticket"}],
                6: [{"job": "a", "severity": "ticket"}],
            }
        },
    ),
    # a is below 0.9 from 2m to 7m; b always, but in maintenance until 4m.
    "unless-on-maintenance": Case(
        rules=[
            {
                "alert": "ProbeFailing",
                "expr": "probe_success_ratio < 0.9 unless on(job) maintenance == 1",
            }
        ],
        series={
            'probe_success_ratio{job="a"}': "1 1 0.5x5 1",
            'probe_success_ratio{job="b"}': "0.5x9",
            'maintenance{job="b"}': "1x4 0x5",
        },
        expected={
            "ProbeFailing": {
                1: [],
                2: [{"job": "a"}],
                5: [{"job": "a"}, {"job": "b"}],
                8: [{"job": "b"}],
            }
        },
    ),
    # v(t) - v(t - 5m): 0..50 by 10, then 100..600 by 100 from 6m: 6m -> 100-10 = 90,
    # 7m -> 200-20 = 180 > 100; before 5m there is no sample 5m earlier.
    "offset-5m": Case(
        rules=[
            {"alert": "Jump", "expr": "errors_total - errors_total offset 5m > 100", "for": "1m"}
        ],
        series={'errors_total{job="a"}': "0+10x5 100+100x5"},
        expected={"Jump": {6: [], 7: [], 8: [{"job": "a"}], 11: [{"job": "a"}]}},
    ),
    # avg by job: 0.2, then (0.9 + 0.2) / 2 = 0.55 from 4m: pending at 4m, firing at 6m.
    "recording-rule": Case(
        rules=[
            {"record": "job:latency_seconds:avg", "expr": "avg by (job) (latency_seconds)"},
            {"alert": "Slow", "expr": "job:latency_seconds:avg > 0.5", "for": "2m"},
        ],
        series={
            'latency_seconds{job="a",instance="1"}': "0.2x3 0.9x6",
            'latency_seconds{job="a",instance="2"}': "0.2x9",
        },
        expected={"Slow": {5: [], 6: [{"job": "a"}], 9: [{"job": "a"}]}},
    ),
}


def rule_file(case: Case) -> str:
    return yaml.safe_dump({"groups": [{"name": "g", "rules": case.rules}]}, sort_keys=False)


def hand_written_test(case: Case) -> str:
    tests = [
        {
            "eval_time": f"{minute}m",
            "alertname": alert,
            "exp_alerts": [{"exp_labels": labels} for labels in firing],
        }
        for alert, by_minute in case.expected.items()
        for minute, firing in by_minute.items()
    ]
    return yaml.safe_dump(
        {
            "rule_files": ["rules.yml"],
            "evaluation_interval": "1m",
            "tests": [
                {
                    "interval": "1m",
                    "input_series": [{"series": n, "values": v} for n, v in case.series.items()],
                    "alert_rule_test": tests,
                }
            ],
        },
        sort_keys=False,
    )


@pytest.mark.parametrize("name", list(CASES))
def test_promtool_engine_agrees_with_hand_written_promtool_tests(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    (tmp_path / "rules.yml").write_text(rule_file(case))
    (tmp_path / "test.yml").write_text(hand_written_test(case))
    done = subprocess.run(
        ["promtool", "test", "rules", "test.yml"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, f"the hand-written test is wrong:\n{done.stderr}"

    expect: list[dict[str, object]] = []
    for alert, by_minute in case.expected.items():
        for minute, firing in by_minute.items():
            expect += [
                {"alert": alert, "at": f"{minute}m", "firing": True, "labels": labels}
                for labels in firing
            ]
            if not firing:
                expect.append({"alert": alert, "at": f"{minute}m", "firing": False})
    scenario = ThresholdScenario.model_validate(
        {
            "action": "A1",
            "kind": "threshold",
            "interval": "1m",
            "series": case.series,
            "rules_file": "rules.yml",
            "expect": expect,
        }
    )
    assert scenario.rules_file is not None
    found = evaluate(
        scenario, rules_file_of(scenario.rules_file), Project(root=tmp_path), lambda: name
    )
    assert found.engine == "promtool"
    for alert, by_minute in case.expected.items():
        for minute, firing in by_minute.items():
            seen = [dict(i.labels) for i in found.observed[alert].firing_at(minute * 60_000)]
            assert sorted(seen, key=sorted) == sorted(firing, key=sorted), (alert, minute)
    outcomes = [judge(e, found.observed, 0, 60_000) for e in scenario.expect]
    assert [o.outcome for o in outcomes] == ["pass"] * len(outcomes), outcomes

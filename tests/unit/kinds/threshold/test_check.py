"""``threshold.check``: the static checks the loader (and so lint) reports, with their line."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import SCENARIO, Write

from closeout.errors import ScenarioError
from closeout.kinds.threshold.check import series_name_ok
from closeout.loader import load_scenario
from closeout.project import load_project

FIXED_RULE = "  - {alert: HighErrorRate, expr: error_rate > 0.05, for: 15m}\n"


def problems(write: Write, text: str) -> list[str]:
    path = write("scenarios/INC-1/a1.yaml", text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(load_project(), path)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "  error_rate: ",
            "  and: ",
            ":6: series.and: 'and' is not a valid series name",
        ),
        (
            FIXED_RULE,
            FIXED_RULE + "  - {alert: HighErrorRate, expr: error_rate > 0.5}\n",
            ":9: rules[1].alert: alert 'HighErrorRate' is defined twice",
        ),
        (
            "{alert: HighErrorRate, at: 55m",
            "{alert: HighErrorRat, at: 55m",
            ":10: expect[0].alert: no rule defines alert 'HighErrorRat' "
            "(did you mean 'HighErrorRate'?)",
        ),
        (
            "at: 55m",
            "at: 2025-07-01T00:55:00Z",
            ":10: expect[0]: an absolute time needs `start` (or a series read from a file)",
        ),
        ("interval: 5m", "interval: 0s", ":4: interval: must be longer than 0s"),
        ("interval: 5m", "interval: 5m\nlookback: 0s", ":5: lookback: must be longer than 0s"),
        (
            '"0.01x11 0.08x11 0.01x11"',
            "{file: fixtures/INC-1/metrics.csv, timestamp: ts, column: error_rate}",
            ":6: series.error_rate.file: file 'fixtures/INC-1/metrics.csv' not found",
        ),
    ],
)
def test_each_check_names_its_line_and_field(
    project_dir: Path, write: Write, old: str, new: str, expected: str
) -> None:
    assert old in SCENARIO
    found = problems(write, SCENARIO.replace(old, new))
    assert f"scenarios/INC-1/a1.yaml{expected}" in found


def test_a_before_rule_on_an_undefined_series_lists_the_series(
    project_dir: Path, write: Write
) -> None:
    found = problems(write, SCENARIO.replace("expr: error_rate > 0.1", "expr: latency > 0.1"))
    assert found == [
        "scenarios/INC-1/a1.yaml:14: before.rules[0].expr: 'latency' is not a defined series; "
        "series: error_rate"
    ]


def test_an_absolute_time_is_fine_once_the_series_come_from_a_file(
    project_dir: Path, write: Write
) -> None:
    write("fixtures/INC-1/metrics.csv", "ts,error_rate\n2025-07-01T00:00:00Z,0.01\n")
    text = SCENARIO.replace(
        '"0.01x11 0.08x11 0.01x11"',
        "{file: fixtures/INC-1/metrics.csv, timestamp: ts, column: error_rate}",
    ).replace("at: 55m", "at: 2025-07-01T00:55:00Z")
    loaded = load_scenario(load_project(), write("scenarios/INC-1/a1.yaml", text))
    assert loaded.kind.data_files(loaded.model) == ["fixtures/INC-1/metrics.csv"]


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("error_rate", True),
        ("job:errors:rate5m", True),
        ("_x", True),
        ("or", False),
        ("unless", False),
        ("5xx", False),
        ("a-b", False),
        ("", False),
        ('http_requests_total{job="scorer",code="500"}', True),
        ('m{a="x\\"y", b="2"}', True),
        ('m{a="1",a="2"}', False),
        ('{job="a"}', False),
        ("m{job=a}", False),
    ],
)
def test_series_names_follow_prometheus(name: str, ok: bool) -> None:
    assert series_name_ok(name) is ok

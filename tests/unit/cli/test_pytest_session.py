"""How pytest's outcome and the collected summary rows become closeout's exit code."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from closeout.cli.pytest_session import Collector, exit_code
from closeout.report_text import BROKEN_PROPERTY, SUMMARY_PROPERTY


def row(verdict: str = "pass", before: str | None = "fail") -> dict[str, Any]:
    return {
        "incident": "INC-1",
        "action": "A1",
        "scenario": "a1",
        "verdict": verdict,
        "before_verdict": before,
    }


def collected(rows: list[dict[str, Any]], broken: list[str] | None = None) -> Collector:
    collector = Collector()
    collector.rows.extend(rows)
    collector.broken.extend(broken or [])
    return collector


@pytest.mark.parametrize(
    ("pytest_code", "rows", "broken", "expected"),
    [
        (0, [row()], [], 0),
        (1, [row("fail")], [], 1),
        (1, [row("error", None)], [], 2),
        (1, [row("pass", "error")], [], 2),
        (1, [row()], ["scenarios/INC-1/x.yaml::x"], 2),
        (5, [], [], 2),
        (0, [], [], 2),
        (4, [], [], 2),
        (2, [], [], 2),
        (3, [], [], 3),
    ],
)
def test_exit_code_follows_verdicts_then_pytest(
    pytest_code: int, rows: list[dict[str, Any]], broken: list[str], expected: int
) -> None:
    assert exit_code(pytest_code, collected(rows, broken)) == expected


def test_nothing_run_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    exit_code(5, collected([]))
    assert capsys.readouterr().err == "closeout: no scenario was run\n"


def report(when: str, *properties: tuple[str, str]) -> Any:
    return SimpleNamespace(
        when=when, nodeid="scenarios/INC-1/a1.yaml::a1", user_properties=list(properties)
    )


def test_collector_keeps_call_rows_and_setup_breakage_only() -> None:
    collector = Collector()
    summary = (SUMMARY_PROPERTY, json.dumps(row()))
    collector.pytest_runtest_logreport(report("call", summary, ("other", "x")))
    collector.pytest_runtest_logreport(report("teardown", summary))
    collector.pytest_runtest_logreport(report("setup", (BROKEN_PROPERTY, "a1.yaml:3: bad")))
    collector.pytest_runtest_logreport(report("call", (BROKEN_PROPERTY, "a1.yaml:3: bad")))
    assert collector.rows == [row()]
    assert collector.broken == ["scenarios/INC-1/a1.yaml::a1"]

"""``threshold.run`` with a rule file and with an explicit engine: what the evidence records."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from tests.conftest import SCENARIO, Write

from closeout.loader import load_scenario
from closeout.project import load_project
from closeout.runner import ScenarioRun, run_loaded

RULES = """\
groups:
  - name: errors
    rules:
      - alert: HighErrorRate
        expr: error_rate > 0.05
        for: 15m
        labels: {severity: page}
"""
FROM_FILE = SCENARIO.replace(
    "rules:\n  - {alert: HighErrorRate, expr: error_rate > 0.05, for: 15m}\n",
    "rules_file: monitoring/alerts.yml\n",
)


def run(write: Write, text: str) -> ScenarioRun:
    write("monitoring/alerts.yml", RULES)
    project = load_project()
    loaded = load_scenario(project, write("scenarios/INC-1/a1.yaml", text))
    return run_loaded(loaded, project, artifacts=False)


def test_subset_rules_from_a_file_run_on_closeouts_engine_and_record_the_file(
    project_dir: Path, write: Write
) -> None:
    result = run(write, FROM_FILE)
    assert (result.fixed.verdict, result.before_verdict) == ("pass", "fail")
    metrics = result.fixed.metrics
    assert metrics["engine"] == "closeout"
    assert metrics["rules_file"] == {
        "path": "monitoring/alerts.yml",
        "sha256": hashlib.sha256(RULES.encode()).hexdigest(),
    }
    alert = metrics["alerts"]["HighErrorRate"]
    assert alert["instances"] == [
        {
            "labels": {"severity": "page"},
            "first_fires_at": alert["first_fires_at"],
            "first_fires_after": "1h15m",
            "firing_intervals": alert["firing_intervals"],
        }
    ]
    assert "engine" not in result.before.metrics  # inline before rules: as in Part I


@pytest.mark.promtool
@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed")
def test_engine_promtool_on_inline_rules_gives_the_same_outcomes(
    project_dir: Path, write: Write
) -> None:
    mine = run(write, SCENARIO)
    theirs = run(write, SCENARIO.replace("interval: 5m", "interval: 5m\nengine: promtool"))
    assert theirs.fixed.metrics["engine"] == "promtool"
    assert theirs.fixed.outcomes == mine.fixed.outcomes
    assert theirs.before is not None and mine.before is not None
    assert theirs.before.outcomes == mine.before.outcomes

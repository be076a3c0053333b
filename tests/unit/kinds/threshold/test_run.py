"""``threshold.run`` via the runner: file series, expectations, metrics, chart, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import SCENARIO, Write

from closeout.kinds.threshold import run as threshold_run
from closeout.loader import load_scenario
from closeout.project import load_project
from closeout.runner import ScenarioRun, run_loaded

FILE_SCENARIO = """\
action: A1
kind: threshold
interval: 5m
start: 2025-07-01T00:00:00Z
series:
  error_rate: {file: fixtures/INC-1/metrics.csv, timestamp: ts, column: error_rate}
rules:
  - {alert: HighErrorRate, expr: error_rate > 0.05, for: 10m}
expect:
  - {alert: HighErrorRate, at: 2025-07-01T00:55:00Z, firing: false}
  - {alert: HighErrorRate, first_fires_at: 1h10m}
  - {alert: HighErrorRate, at: 2025-07-01T01:30:00+02:00, firing: false}
"""


def metrics_csv(rows: list[tuple[str, str]]) -> str:
    return "ts,error_rate\n" + "".join(f"{ts},{value}\n" for ts, value in rows)


def five_minutely(values: list[str]) -> list[tuple[str, str]]:
    return [
        (f"2025-07-01T{(5 * i) // 60:02d}:{(5 * i) % 60:02d}:00", v) for i, v in enumerate(values)
    ]


def run(write: Write, scenario: str) -> ScenarioRun:
    project = load_project()
    return run_loaded(load_scenario(project, write("scenarios/INC-1/s.yaml", scenario)), project)


def test_series_from_a_csv_with_naive_timestamps_read_as_utc(
    project_dir: Path, write: Write
) -> None:
    # 0.01 for 00:00-00:55, 0.08 from 01:00 (pending), firing at 01:10 (for 10m)
    write("fixtures/INC-1/metrics.csv", metrics_csv(five_minutely(["0.01"] * 12 + ["0.08"] * 12)))
    result = run(write, FILE_SCENARIO)
    assert [o.outcome for o in result.fixed.outcomes] == ["pass", "pass", "pass"]
    alert = result.fixed.metrics["alerts"]["HighErrorRate"]
    assert alert["first_fires_at"] == "2025-07-01T01:10:00Z"
    # last sample 01:55, visible until 02:00 (lookback), gone at 02:05
    assert alert["firing_intervals"] == [["2025-07-01T01:10:00Z", "2025-07-01T02:05:00Z"]]


def test_empty_cells_are_missing_samples(project_dir: Path, write: Write) -> None:
    values = ["0.01"] * 12 + ["0.08", "", "", "0.08"] + ["0.08"] * 8
    write("fixtures/INC-1/metrics.csv", metrics_csv(five_minutely(values)))
    result = run(write, FILE_SCENARIO)
    # the value at 01:05 and 01:10 is the 01:00 sample (<= 5m old at 01:05, 10m old at 01:10)
    evaluated = result.fixed.metrics["evaluated_series"]["error_rate"]
    assert evaluated[13] == 0.08 and evaluated[14] is None


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        ("ts,error_rate\n", "has no rows"),
        ("", "empty"),
        # A wrong column name is a lint error now (tests/unit/test_lint_columns.py).
        ("ts,error_rate\n2025-07-01T00:00:00Z,1\nyesterday,2\n", "metrics.csv:3: column 'ts'"),
        ("ts,error_rate\n2025-07-01T00:00:00Z,high\n", "metrics.csv:2: column 'error_rate'"),
        ("ts,error_rate\n2025-07-01T00:00:00Z,1\n2025-07-01T00:00:00Z,2\n", "duplicate timestamp"),
        ("ts,error_rate\n2025-07-01T00:00:00Z,\n", "has no values"),
    ],
)
def test_bad_data_files_are_errors_naming_the_file(
    project_dir: Path, write: Write, csv: str, message: str
) -> None:
    write("fixtures/INC-1/metrics.csv", csv)
    result = run(write, FILE_SCENARIO)
    assert result.fixed.verdict == "error"
    assert message in (result.fixed.error or "")
    assert "fixtures/INC-1/metrics.csv" in (result.fixed.error or "")


def test_non_finite_samples_are_recorded_as_policy_strings(project_dir: Path, write: Write) -> None:
    # SPEC §15: NaN and the infinities are "NaN", "Infinity", "-Infinity"; None stays "no sample"
    text = SCENARIO.replace('"0.01x11 0.08x11 0.01x11"', '"1 NaN Inf -Inf"')
    result = run(write, text)
    evaluated = result.fixed.metrics["evaluated_series"]["error_rate"]
    # samples at 0..15m; the last one still counts at 20m (5m lookback) and is gone at 25m
    assert evaluated[:6] == [1.0, "NaN", "Infinity", "-Infinity", "-Infinity", None]
    json.dumps(result.fixed.metrics, allow_nan=False)


def test_failed_expectations_report_observed_and_target(project_dir: Path, write: Write) -> None:
    text = SCENARIO.replace("first_fires_at: 1h15m", "first_fires_at: 1h05m")
    result = run(write, text)
    failed = [o for o in result.fixed.outcomes if o.outcome == "fail"]
    assert len(failed) == 1
    assert (failed[0].observed, failed[0].target) == ("1h15m", "1h5m")


def test_never_fires_and_unknown_rule_in_before(project_dir: Path, write: Write) -> None:
    text = SCENARIO.replace(
        "  - {alert: HighErrorRate, first_fires_at: 1h15m}\n",
        "  - {alert: HighErrorRate, first_fires_at: 1h15m}\n  - {alert: Quiet, never_fires: true}\n",
    ).replace(
        "  - {alert: HighErrorRate, expr: error_rate > 0.05, for: 15m}\n",
        "  - {alert: HighErrorRate, expr: error_rate > 0.05, for: 15m}\n"
        "  - {alert: Quiet, expr: error_rate > 1}\n",
    )
    result = run(write, text)
    assert result.fixed.verdict == "pass"
    assert result.before is not None
    before = {o.name: o for o in result.before.outcomes}
    assert before["Quiet never fires"].outcome == "pass"  # absent rule in before: never fires


def test_chart_artifact_is_an_svg_with_threshold_and_firing(
    project_dir: Path, write: Write
) -> None:
    result = run(write, SCENARIO)
    svgs = [project_dir / a for a in result.fixed.artifacts]
    assert len(svgs) == 1 and svgs[0].suffix == ".svg"
    text = svgs[0].read_text()
    assert text.startswith("<svg") and "HighErrorRate 0.05" in text and "firing" in text
    json.dumps(result.fixed.metrics)  # metrics are JSON-safe


def test_parquet_timestamps_in_microseconds_are_read_correctly(
    project_dir: Path, write: Write
) -> None:
    import pandas as pd

    times = pd.date_range("2025-07-01", periods=24, freq="5min", tz="UTC").as_unit("us")
    frame = pd.DataFrame({"ts": times, "error_rate": [0.01] * 12 + [0.08] * 12})
    (project_dir / "fixtures" / "INC-1").mkdir(parents=True)
    frame.to_parquet(project_dir / "fixtures" / "INC-1" / "metrics.parquet")
    result = run(write, FILE_SCENARIO.replace("metrics.csv", "metrics.parquet"))
    alert = result.fixed.metrics["alerts"]["HighErrorRate"]
    assert alert["first_fires_at"] == "2025-07-01T01:10:00Z"


def test_a_chart_that_cannot_be_written_does_not_change_the_verdict(
    project_dir: Path, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(threshold_run, "threshold_chart", full_disk)
    result = run(write, SCENARIO)
    assert (result.verdict, result.before_verdict) == ("pass", "fail")
    assert result.fixed.artifacts == []
    assert "No space left" in result.fixed.metrics["artifact_errors"][0]

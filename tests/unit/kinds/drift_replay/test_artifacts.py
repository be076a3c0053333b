"""drift_replay artifacts: the SVG chart and evidently's HTML report of the first firing."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from tests.conftest import Write

from closeout.loader import load_scenario
from closeout.project import load_project
from closeout.runner import ScenarioRun, run_loaded

SVG = "{http://www.w3.org/2000/svg}"


def data(write: Write) -> None:
    rng = np.random.default_rng(4)
    write(
        "fixtures/INC-1/reference.csv",
        "amount,channel\n"
        + "".join(
            f"{v:.3f},{c}\n"
            for v, c in zip(rng.normal(10, 1, 400), rng.choice(["web", "app"], 400), strict=True)
        ),
    )
    rows = []
    for hour in range(6):
        shift = 3.0 if hour >= 2 else 0.0  # drift from 02:00; the onset is 01:00 (INC-1)
        for i in range(60):
            rows.append(
                f"2025-07-01T{hour:02d}:{i:02d}:00Z,{rng.normal(10 + shift, 1):.3f},"
                f"{rng.choice(['web', 'app'])}\n"
            )
    write("fixtures/INC-1/incident.csv", "ts,amount,channel\n" + "".join(rows))
    write("fixtures/INC-1/control.csv", "ts,amount,channel\n" + "".join(rows[:120]))


def run(write: Write, monitor: str) -> ScenarioRun:
    text = f"""\
action: A1
kind: drift_replay
reference: fixtures/INC-1/reference.csv
current: fixtures/INC-1/incident.csv
control: fixtures/INC-1/control.csv
timestamp: ts
window: 1h
monitor: {monitor}
expect: {{fires_within: 2h}}
"""
    project = load_project()
    path = write("scenarios/INC-1/chart.yaml", text)
    return run_loaded(load_scenario(project, path), project)


@pytest.mark.slow
def test_chart_and_first_firing_report(project_dir: Path, write: Write) -> None:
    data(write)
    result = run(
        write, "{method: ks, correction: bonferroni, per_column: {channel: {method: psi}}}"
    )
    assert result.fixed.verdict == "pass", result.fixed.error
    artifacts = result.fixed.artifacts
    assert [Path(a).name.split("-fixed")[1] for a in artifacts] == [
        ".svg",
        "-control.svg",
        "-first-firing.html",
    ]
    chart = ET.parse(project_dir / artifacts[0]).getroot()
    texts = [t.text for t in chart.iter(f"{SVG}text")]
    assert "amount" in texts and "channel" in texts
    assert "ks (-log10 adjusted p-value)" in texts and "psi (score)" in texts
    titles = [t.text or "" for t in chart.iter(f"{SVG}title")]
    assert "onset 2025-07-01 01:00" in titles
    assert "humans detected 2025-07-01 02:00" in titles
    assert "alert fired 2025-07-01 03:00" in titles  # the 02:00-03:00 window drifts
    # one dot per evaluated window and column, red where the monitor saw drift
    dots = list(chart.iter(f"{SVG}circle"))
    assert len(dots) == 12
    assert sum(d.get("fill") == "#d62728" for d in dots) == sum(
        cell["drifted"]
        for row in result.fixed.metrics["windows"]
        for cell in row["columns"].values()
    )
    html = (project_dir / artifacts[2]).read_text(encoding="utf-8")
    assert len(html) > 100_000 and "amount" in html
    assert result.fixed.metrics["report_window"] == {
        "start": "2025-07-01T02:00:00Z",
        "end": "2025-07-01T03:00:00Z",
    }


def test_no_report_when_the_alert_never_fires(project_dir: Path, write: Write) -> None:
    data(write)
    result = run(write, "{columns: [channel], method: psi, threshold: 5}")
    assert result.fixed.verdict == "fail"
    assert [Path(a).suffix for a in result.fixed.artifacts] == [".svg", ".svg"]
    assert "report_window" not in result.fixed.metrics


def test_no_artifacts_without_an_artifacts_folder(project_dir: Path, write: Write) -> None:
    data(write)
    project = load_project()
    text = (project_dir / "scenarios/INC-1").joinpath("x.yaml")
    text.write_text(
        "action: A1\nkind: drift_replay\nreference: fixtures/INC-1/reference.csv\n"
        "current: fixtures/INC-1/incident.csv\ntimestamp: ts\nwindow: 1h\n"
        "monitor: {method: psi}\nexpect: {fires_within: 2h}\n"
    )
    result = run_loaded(load_scenario(project, text), project, artifacts=False)
    assert result.fixed.artifacts == [] and not (project_dir / "reports").exists()

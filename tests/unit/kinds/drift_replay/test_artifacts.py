"""drift_replay artifacts: the SVG charts and evidently's snapshot of the first alerting window
(SPEC §12: the snapshot JSON, its drift_share agreeing with the alert rule; HTML on request)."""

from __future__ import annotations

import json
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from tests.conftest import Write

from closeout.kinds.drift_replay.snapshot import render_snapshot_html
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
def test_chart_and_first_alerting_snapshot(project_dir: Path, write: Write) -> None:
    data(write)
    result = run(
        write, "{method: ks, correction: bonferroni, per_column: {channel: {method: psi}}}"
    )
    assert result.fixed.verdict == "pass", result.fixed.error
    artifacts = result.fixed.artifacts
    assert [Path(a).name.split("-fixed")[1] for a in artifacts] == [
        ".svg",
        "-control.svg",
        "-evidently.json",
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
    snapshot = (project_dir / artifacts[2]).read_text(encoding="utf-8")
    assert len(snapshot) < 2_000_000 and "amount" in snapshot
    assert result.fixed.metrics["report_window"] == {
        "start": "2025-07-01T02:00:00Z",
        "end": "2025-07-01T03:00:00Z",
        "why": "the first alerting window",
    }
    # evidently reads its own snapshot back and renders the self-contained HTML on request
    html = render_snapshot_html(project_dir / artifacts[2], project_dir / "report.html")
    page = html.read_text(encoding="utf-8")
    assert len(page) > 1_000_000 and "amount" in page


def snapshot_summary(path: Path) -> dict[str, object]:
    """The dataset-level drift evidently recorded in a snapshot, read back by evidently."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from evidently.core.report import Snapshot

        result = Snapshot.loads(path.read_text(encoding="utf-8")).dict()
    counts = [m for m in result["metrics"] if "DriftedColumnsCount" in m["config"]["type"]]
    (count,) = counts
    tests = [t for t in result["tests"] if t["metric_config"]["metric_id"] == count["id"]]
    return {"share": count["config"]["drift_share"], "tests": [t["status"] for t in tests]}


def three_columns(write: Write) -> None:
    """amount drifts from 02:00; tenure and channel never do."""
    rng = np.random.default_rng(7)
    write(
        "fixtures/INC-1/reference.csv",
        "amount,tenure,channel\n"
        + "".join(
            f"{a:.3f},{t:.3f},{c}\n"
            for a, t, c in zip(
                rng.normal(10, 1, 400),
                rng.normal(5, 1, 400),
                rng.choice(["web", "app"], 400),
                strict=True,
            )
        ),
    )
    rows = [
        f"2025-07-01T{hour:02d}:{i:02d}:00Z,{rng.normal(10 + (3 if hour >= 2 else 0), 1):.3f},"
        f"{rng.normal(5, 1):.3f},{rng.choice(['web', 'app'])}\n"
        for hour in range(4)
        for i in range(60)
    ]
    write("fixtures/INC-1/incident.csv", "ts,amount,tenure,channel\n" + "".join(rows))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("rule", "share"), [("{drifted_columns: 1}", 1 / 3), ("{drift_share: 0.3}", 0.3)]
)
def test_snapshot_drift_share_agrees_with_the_alert_rule(
    project_dir: Path, write: Write, rule: str, share: float
) -> None:
    # three columns, one drifting: the rule alerts on one drifted column, where evidently's
    # default drift_share (0.5) would say "no dataset drift"; the snapshot must agree with
    # the rule, so evidently's own test on the drifted-columns count fails (= drift)
    three_columns(write)
    text = f"""\
action: A1
kind: drift_replay
reference: fixtures/INC-1/reference.csv
current: fixtures/INC-1/incident.csv
timestamp: ts
window: 1h
monitor: {{method: psi, threshold: 0.5, alert_when: {rule}}}
expect: {{fires_within: 2h}}
"""
    project = load_project()
    path = write("scenarios/INC-1/share.yaml", text)
    result = run_loaded(load_scenario(project, path), project)
    assert result.fixed.verdict == "pass", result.fixed.error
    snapshot = next(a for a in result.fixed.artifacts if a.endswith(".json"))
    summary = snapshot_summary(project_dir / snapshot)
    assert summary["share"] == pytest.approx(share)
    assert summary["tests"] == ["FAIL"]
    # the words a reader sees (FACTS.md: with the default 0.5 they would say NOT detected)
    text = (project_dir / snapshot).read_text(encoding="utf-8")
    assert "Dataset Drift is detected" in text and "NOT detected" not in text
    json.loads(text)


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

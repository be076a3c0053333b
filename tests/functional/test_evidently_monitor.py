"""The deployed evidently Report as a drift_replay subject, end to end through the command
line: lint (no user code, no evidently imported), run (discriminating, the snapshot is the
Report's own), and ``closeout report --evidently`` (HTML only on request)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from tests.conftest import POSTMORTEM, Write

from closeout.cli import main

MONITORS = """\
from evidently import Report
from evidently.metrics import ValueDrift
from evidently.presets import DataDriftPreset


def deployed_before():
    # watched only the region mix, with evidently's default threshold
    return Report([ValueDrift(column="region")])


def deployed_now():
    return Report(
        [DataDriftPreset(columns=["amount", "region"], drift_share=0.5)],
        tags=["payments-drift-v2"],
    )
"""

SCENARIO = """\
action: A1
kind: drift_replay
reference: fixtures/INC-1/reference.csv
current: fixtures/INC-1/incident.csv
timestamp: ts
window: 1h
min_rows: 20
monitor: {evidently: "monitors.py:deployed_now"}
expect: {fires_within: 2h}
before:
  monitor: {evidently: "monitors.py:deployed_before"}
"""


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def project(project_dir: Path, write: Write) -> Path:
    """INC-1: payment amounts jump at 01:00 (the onset); the region mix does not change."""
    rng = np.random.default_rng(5)
    write("scenarios/INC-1/postmortem.yaml", POSTMORTEM)
    write("monitors.py", MONITORS)
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    regions = ["EU", "US", "APAC"]
    reference = "".join(f"{rng.normal(40, 8):.2f},{rng.choice(regions)}\n" for _ in range(400))
    write("fixtures/INC-1/reference.csv", "amount,region\n" + reference)
    rows = []
    for hour in range(5):
        for minute in range(60):
            amount = rng.normal(40 + 25 * (hour >= 1), 8)
            stamp = f"2025-07-01T{hour:02d}:{minute:02d}:00Z"
            rows.append(f"{stamp},{amount:.2f},{rng.choice(regions)}\n")
    write("fixtures/INC-1/incident.csv", "ts,amount,region\n" + "".join(rows))
    return project_dir


@pytest.mark.usefixtures("project")
def test_lint_says_the_report_is_read_at_run_time_and_imports_neither_it_nor_evidently(
    project_dir: Path,
) -> None:
    code = (
        "import sys; from closeout.cli import main; rc = main(['lint']); "
        "print(rc, sorted(m for m in ('evidently', 'pandas', 'monitors') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=project_dir,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        check=False,
    )
    assert done.stdout.strip().splitlines()[-1] == "0 []", done.stdout + done.stderr
    assert "monitor.evidently: the monitor is the evidently Report monitors.py:deployed_now" in (
        done.stdout + done.stderr
    )


@pytest.mark.slow
@pytest.mark.usefixtures("project")
def test_run_then_report_renders_evidently_html_only_on_request(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, "run", "INC-1")
    assert code == 0, out + err
    artifacts = project_dir / "reports/INC-1/artifacts"
    snapshots = sorted(artifacts.glob("*-evidently.json"))
    # the fixed Report fires; the pre-fix one (region only) never alerts: no snapshot
    assert [p.name.rsplit("-", 2)[-2] for p in snapshots] == ["fixed"]
    snapshot = json.loads(snapshots[0].read_text())
    assert snapshot["tags"] == ["payments-drift-v2"]  # the team's own Report was run
    params = [
        r["metric_value_location"]["metric"]["params"]
        for r in snapshot["metric_results"].values()
        if "metric_value_location" in r
    ]
    assert {
        "type": "evidently:metric_v2:DriftedColumnsCount",
        "columns": ["amount", "region"],
        "drift_share": 0.5,
    } in params

    assert cli(capsys, "report")[0] == 0
    assert not list(artifacts.glob("*.html"))

    code, out, err = cli(capsys, "report", "--evidently")
    assert (code, err) == (0, ""), err
    page = snapshots[0].with_suffix(".html")
    assert f"wrote {page.relative_to(project_dir)}" in out
    text = page.read_text()
    assert text.lstrip().startswith("<!DOCTYPE html>") and "Drifted Columns" in text

    code, out, _ = cli(capsys, "report", "--evidently", "--json")
    assert code == 0 and json.loads(out)["evidently"] == []  # up to date: not rendered again

    (artifacts / "broken-evidently.json").write_text("{not json")
    code, out, err = cli(capsys, "report", "--evidently", "INC-1")
    assert code == 2
    assert "reports/INC-1/artifacts/broken-evidently.json: not rendered: not an evidently" in err


# --------------------------------------------------------------------------- the example

ROOT = Path(__file__).resolve().parents[2]
INCIDENT = "INC-2025-071"
FIXTURES = ROOT / "fixtures" / INCIDENT
SCRIPT = ROOT / "scripts" / "make_meter_digits_drift_fixtures.py"


def test_the_committed_scan_logs_are_what_the_script_makes(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--output", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for name in ("reference", "normal", "incident"):
        made = tmp_path / f"scan_log_{name}.parquet"
        assert made.read_bytes() == (FIXTURES / made.name).read_bytes(), made.name


def _daily_alerts(factory: str, period: str) -> dict[str, bool]:
    """The oracle: the example's Report run by evidently on each day of a period (days with
    at least the scenario's min_rows cards), and whether its drift test fails."""
    import pandas as pd
    from evidently import DataDefinition, Dataset

    # loaded from its file under its own name: the `examples` package of the checkout must
    # not sit in sys.modules, where it would shadow a temporary copy another test imports
    path = ROOT / "examples" / "meter_monitoring" / "drift_reports.py"
    spec = importlib.util.spec_from_file_location("inc_2025_071_drift_reports", path)
    assert spec is not None and spec.loader is not None
    drift_reports = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(drift_reports)

    columns = ["ink_peak", "faint_pixels", "digit_read", "confidence"]
    definition = DataDefinition(
        numerical_columns=["ink_peak", "faint_pixels", "confidence"],
        categorical_columns=["digit_read"],
    )
    reference = pd.read_parquet(FIXTURES / "scan_log_reference.parquet")[columns]
    log = pd.read_parquet(FIXTURES / f"scan_log_{period}.parquet")
    alerts = {}
    for day, cards in log.groupby(log["scanned_at"].dt.floor("1D")):
        if len(cards) < 200:
            continue
        snapshot = getattr(drift_reports, factory)().run(
            Dataset.from_pandas(cards[columns].reset_index(drop=True), data_definition=definition),
            Dataset.from_pandas(reference, data_definition=definition),
        )
        failed = [t["status"] == "FAIL" for t in snapshot.dict()["tests"]]
        kinds = [t["metric_config"]["params"]["type"] for t in snapshot.dict()["tests"]]
        dataset = [f for f, k in zip(failed, kinds, strict=True) if "DriftedColumnsCount" in k]
        alerts[day.strftime("%Y-%m-%dT%H:%M:%SZ")] = dataset[0] if dataset else any(failed)
    return alerts


@pytest.mark.slow
def test_the_example_pages_on_the_scanner_change_only_with_the_fixed_report(
    tmp_path: Path,
) -> None:
    """INC-2025-071/A3 in a copy of the example, run by the command line; every day's alert of
    both Reports, in the incident and the control period, equals evidently's own verdict."""
    for folder in ("examples", f"scenarios/{INCIDENT}"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "fixtures" / INCIDENT).mkdir(parents=True)
    for log in FIXTURES.glob("scan_log_*.parquet"):
        shutil.copy(log, tmp_path / "fixtures" / INCIDENT)
    (tmp_path / "pyproject.toml").write_text("[tool.closeout]\n")
    done = subprocess.run(
        [sys.executable, "-m", "closeout", "run", "--json", f"{INCIDENT}/A3"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "DO_NOT_TRACK": "1", "PYTHONPATH": os.pathsep.join(sys.path)},
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    (row,) = json.loads(done.stdout[done.stdout.index("{\n") :])["results"]
    assert (row["verdict"], row["before_verdict"], row["discriminating"]) == ("pass", "fail", True)
    record = json.loads((tmp_path / row["evidence"]).read_text())
    fixed, before = record["metrics"], record["before_metrics"]
    assert fixed["fired_at"] == "2025-10-07T00:00:00Z" and before["fired_at"] is None
    for metrics, factory in ((fixed, "scan_report"), (before, "read_mix_report")):
        for period, table in (
            ("incident", metrics["windows"]),
            ("normal", metrics["control"]["window_table"]),
        ):
            replayed = {w["start"]: w["alerting"] for w in table if not w.get("skipped")}
            assert replayed == _daily_alerts(factory, period), (factory, period)

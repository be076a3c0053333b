"""What a drift replay says when it fails (issue 15), and how far a replay is (progress).

Real replays of small generated incidents. The oracle for which windows drift is scipy's
``ks_2samp`` called directly on each window (not closeout's code), and the expected times
come from how the data was generated.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp

from closeout.kind import RunContext
from closeout.kinds.drift_replay.kind import KIND
from closeout.loader import load_postmortem, load_scenario
from closeout.models import Outcome
from closeout.project import load_project
from closeout.report_text import failure_report
from closeout.runner import ScenarioRun, run_loaded

START = pd.Timestamp("2025-07-01T00:00:00Z")
ROWS = 150
# a shift of 1.5 sd in 150 rows gives p ~ 1e-30; noise reaches this one window in a million
THRESHOLD = 1e-6
SCENARIO = """\
action: A1
kind: drift_replay
reference: reference.csv
current: incident.csv
timestamp: ts
window: 1h
min_rows: 10
onset: {onset}
monitor: {{columns: [x, y], method: ks, threshold: {threshold}}}
expect: {{fires_within: 2h}}
"""


def write_data(root: Path, drifting: list[bool], seed: int = 7) -> pd.DataFrame:
    """A reference and hourly windows; ``x`` (not ``y``) shifts in the windows marked True."""
    rng = np.random.default_rng(seed)
    reference = pd.DataFrame({"x": rng.normal(0, 1, 2000), "y": rng.normal(0, 1, 2000)})
    reference.to_csv(root / "reference.csv", index=False)
    parts = []
    for hour, shifted in enumerate(drifting):
        seconds = np.sort(rng.integers(0, 3600, ROWS))
        parts.append(
            pd.DataFrame(
                {
                    "ts": START + pd.Timedelta(hours=hour) + pd.to_timedelta(seconds, unit="s"),
                    "x": rng.normal(1.5 if shifted else 0.0, 1, ROWS),
                    "y": rng.normal(0, 1, ROWS),
                }
            )
        )
    incident = pd.concat(parts, ignore_index=True)
    text = incident.assign(ts=incident["ts"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
    text.to_csv(root / "incident.csv", index=False)
    return incident


def scipy_p_values(root: Path, incident: pd.DataFrame, column: str) -> list[float]:
    reference = pd.read_csv(root / "reference.csv")[column].to_numpy()
    hours = ((incident["ts"] - START) // pd.Timedelta(hours=1)).to_numpy()
    return [
        float(ks_2samp(reference, incident[column].to_numpy()[hours == h]).pvalue)
        for h in range(int(hours.max()) + 1)
    ]


def replay(root: Path, onset_hour: int) -> ScenarioRun:
    onset = (START + pd.Timedelta(hours=onset_hour)).strftime("%Y-%m-%dT%H:%M:%SZ")
    path = root / "scenarios" / "INC-1" / "replay.yaml"
    path.write_text(SCENARIO.format(onset=onset, threshold=THRESHOLD))
    project = load_project()
    return run_loaded(load_scenario(project, path), project, artifacts=False)


def outcome(run: ScenarioRun, name: str) -> Outcome:
    return next(o for o in run.fixed.outcomes if o.name == name)


def at(hour: int) -> str:
    return (START + pd.Timedelta(hours=hour)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_monitor_alerting_before_the_onset_says_since_when(project_dir: Path) -> None:
    incident = write_data(project_dir, [True] * 8)
    p_values = scipy_p_values(project_dir, incident, "x")
    assert all(p <= THRESHOLD for p in p_values)  # every window drifts: the alert never stops
    run = replay(project_dir, onset_hour=4)
    found = outcome(run, "fires_within")
    assert found.outcome == "fail"
    # the first window (00:00-01:00) alerts, so the alert fires at 01:00; the windows
    # ending at 02:00, 03:00 and 04:00 (the onset) keep it firing before the onset
    assert found.observed == f"already alerting since {at(1)}, 3 windows before the onset"
    assert "kept firing to the end of the data" in found.detail
    assert "never fired after the onset" not in found.observed


def test_an_alert_that_stopped_after_the_onset_says_when(project_dir: Path) -> None:
    drifting = [True, True, True, True, False, False, False, False]
    incident = write_data(project_dir, drifting)
    p_values = scipy_p_values(project_dir, incident, "x")
    assert [p <= THRESHOLD for p in p_values] == drifting
    run = replay(project_dir, onset_hour=2)
    found = outcome(run, "fires_within")
    assert found.observed == f"already alerting since {at(1)}, 1 window before the onset"
    assert f"stopped at {at(4)}" in found.detail


def test_a_monitor_quiet_at_the_onset_still_says_it_never_fired(project_dir: Path) -> None:
    write_data(project_dir, [True, False, False, False, False, False])
    run = replay(project_dir, onset_hour=3)
    assert outcome(run, "fires_within").observed == "never fired after the onset"


def test_the_failure_output_shows_the_window_table_with_scores(project_dir: Path) -> None:
    drifting = [False, False, True, True, True, True]
    incident = write_data(project_dir, drifting)
    p_values = scipy_p_values(project_dir, incident, "x")
    assert [p <= THRESHOLD for p in p_values] == drifting
    run = replay(project_dir, onset_hour=4)  # fired at 03:00, before the onset: a failure
    text = failure_report(run)
    assert "incident windows:" in text
    lines = {line.split()[0]: line for line in text.splitlines() if re.match(r"\s*2025-", line)}
    assert len(lines) == 6  # six windows: all shown
    for hour, p_value in enumerate(p_values):
        line = lines[at(hour)]
        assert f" {ROWS} " in line
        if drifting[hour]:
            assert f"x p={p_value:.3g}" in line and " yes " in line, line
        else:
            assert " no " in line and "x p=" not in line, line
    assert "<- onset" in lines[at(4)]
    assert "fires" in lines[at(2)]  # the window whose end is the firing


def test_a_long_replay_shows_the_windows_that_matter_and_counts_the_rest(
    project_dir: Path,
) -> None:
    drifting = [False] * 60 + [True] * 40
    write_data(project_dir, drifting)
    run = replay(project_dir, onset_hour=57)  # fires at 61:00, 4h after: fires_within fails
    found = outcome(run, "fires_within")
    assert found.outcome == "fail" and found.observed == "4h"
    table = found.detail.split("incident windows:\n", 1)[1].splitlines()
    shown = [line for line in table if line.startswith("2025-")]
    assert 5 <= len(shown) <= 12, table
    more = [
        int(m.group(1)) for m in (re.match(r"\.\.\. (\d+) more windows", x) for x in table) if m
    ]
    assert sum(more) + len(shown) == 100
    assert any(line.startswith(at(57)) and "<- onset" in line for line in shown)
    assert any(line.startswith(at(60)) and "fires" in line for line in shown)


@pytest.mark.parametrize("workers", [1, 2])
def test_the_replay_reports_progress_per_window(project_dir: Path, workers: int) -> None:
    write_data(project_dir, [False, False, True, True, True, True])
    (project_dir / "pyproject.toml").write_text(f"[tool.closeout]\nworkers = {workers}\n")
    folder = project_dir / "parts"
    incident = pd.read_csv(project_dir / "incident.csv")
    for hour in range(3):  # a folder of Parquet files streams (and may use workers)
        (folder / f"part={hour}").mkdir(parents=True)
        rows = incident.iloc[hour * 2 * ROWS : (hour + 1) * 2 * ROWS]
        rows.to_parquet(folder / f"part={hour}" / "data.parquet", index=False)
    path = project_dir / "scenarios" / "INC-1" / "replay.yaml"
    path.write_text(
        SCENARIO.format(onset=at(2), threshold=THRESHOLD).replace("incident.csv", "parts")
    )
    project = load_project()
    loaded = load_scenario(project, path)
    postmortem, _ = load_postmortem(
        project, project_dir / "scenarios" / "INC-1" / "postmortem.yaml"
    )
    calls: list[tuple[int, int | None, str]] = []
    context = RunContext(
        project,
        postmortem,
        "INC-1",
        "replay",
        loaded.display,
        1,
        "fixed",
        None,
        "x",
        progress=lambda done, total, unit: calls.append((done, total, unit)),
    )
    result = KIND.run(loaded.model, KIND.subject(loaded.model), context)
    assert len(result.metrics["windows"]) == 6
    assert calls[-1] == (6, 6, "windows")
    assert all(total == 6 and unit == "windows" for _, total, unit in calls)
    done = [d for d, _, _ in calls]
    assert done == sorted(done) and len(calls) >= (6 if workers == 1 else 2)

"""drift_replay performance, printed in one run (``nox -s bench`` runs every bench_*.py).

Data: a reference of 200,000 rows x 10 numeric columns and an incident of 48 hourly windows
of 10,000 rows, three columns shifting by 0.05 standard deviations from window 24 on. Three
ways to get the per-window, per-column KS verdicts, timed in the same process:

1. closeout's whole replay (read the Parquet files, cut windows, score, judge), method ks;
2. a loop of evidently's ``DataDriftPreset(method="ks")`` over the windows (the obvious way);
3. a loop of ``scipy.stats.ks_2samp`` over windows and columns (the floor for exact KS).

Targets (issue 3): closeout <= 0.2x the preset loop and <= 3x the scipy loop, identical
verdicts, and peak memory <= 2x the loaded frames (measured with tracemalloc in a separate
run, since tracing slows everything down). ``--windows N`` shortens the run.
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from closeout.kinds._toolkit.data import read_frame
from closeout.kinds.drift_replay import data as replay_data
from closeout.kinds.drift_replay import run as replay_run  # noqa: F401  (the engine, loaded early)
from closeout.kinds.drift_replay import scoring as replay_scoring
from closeout.loader import load_scenario
from closeout.project import load_project
from closeout.runner import run_loaded

REFERENCE_ROWS = 200_000
WINDOW_ROWS = 10_000
COLUMNS = [f"f{i}" for i in range(10)]
SHIFTED = ["f0", "f3", "f7"]
START = pd.Timestamp("2026-03-02T00:00:00Z")
POSTMORTEM = """\
id: INC-BENCH
title: Benchmark incident
severity: SEV4
summary: Synthetic data for the drift_replay benchmark.
impact: {description: none}
started_at: 2026-03-03T00:00:00Z
detected_at: 2026-03-03T12:00:00Z
root_causes: [{id: RC1, category: data, description: shifted inputs}]
actions:
  - {id: A1, title: drift alert, type: detect, owner: bench, due: 2099-01-01,
     addresses: [RC1], success_criteria: fires}
"""
SCENARIO = """\
action: A1
kind: drift_replay
reference: reference.parquet
current: incident.parquet
timestamp: ts
window: 1h
min_rows: 100
onset: {onset}
monitor: {{columns: [{columns}]{method}}}
expect: {{fires_within: 2h}}
"""


def make_data(windows: int, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    reference = pd.DataFrame(rng.normal(0, 1, (REFERENCE_ROWS, len(COLUMNS))), columns=COLUMNS)
    parts = []
    for k in range(windows):
        values = rng.normal(0, 1, (WINDOW_ROWS, len(COLUMNS)))
        if k >= windows // 2:
            for name in SHIFTED:
                values[:, COLUMNS.index(name)] += 0.05
        part = pd.DataFrame(values, columns=COLUMNS)
        seconds = np.sort(rng.integers(0, 3600, WINDOW_ROWS))
        part.insert(0, "ts", START + pd.Timedelta(hours=k) + pd.to_timedelta(seconds, unit="s"))
        parts.append(part)
    return reference, pd.concat(parts, ignore_index=True)


def write_project(
    root: Path, reference: pd.DataFrame, incident: pd.DataFrame, windows: int
) -> None:
    (root / "pyproject.toml").write_text("[tool.closeout]\n")
    folder = root / "scenarios" / "INC-BENCH"
    folder.mkdir(parents=True)
    (folder / "postmortem.yaml").write_text(POSTMORTEM)
    columns = ", ".join(COLUMNS)
    onset = (START + pd.Timedelta(hours=windows // 2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for name, method in (("ks", ", method: ks"), ("auto", "")):
        text = SCENARIO.format(columns=columns, method=method, onset=onset)
        (folder / f"{name}.yaml").write_text(text)
    reference.to_parquet(root / "reference.parquet")
    incident.to_parquet(root / "incident.parquet")


def closeout_replay(root: Path, scenario: str) -> tuple[float, dict[str, Any]]:
    """Time closeout's whole replay of one scenario, from reading the files on."""
    replay_data._FRAMES.clear()  # read the Parquet files inside the timed region
    project = load_project(root)
    loaded = load_scenario(project, root / "scenarios" / "INC-BENCH" / f"{scenario}.yaml")
    start = time.perf_counter()
    result = run_loaded(loaded, project, with_before=False, artifacts=False)
    seconds = time.perf_counter() - start
    if result.fixed.verdict == "error":
        raise SystemExit(f"closeout could not run: {result.fixed.error}")
    return seconds, result.fixed.metrics


def window_slices(incident: pd.DataFrame, windows: int) -> list[pd.DataFrame]:
    return [incident.iloc[k * WINDOW_ROWS : (k + 1) * WINDOW_ROWS] for k in range(windows)]


def preset_loop(reference: pd.DataFrame, slices: list[pd.DataFrame]) -> tuple[float, np.ndarray]:
    """DataDriftPreset(method="ks") once per window; its p-values per window and column."""
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    definition = DataDefinition(numerical_columns=COLUMNS, categorical_columns=[])
    scores = np.zeros((len(slices), len(COLUMNS)))
    start = time.perf_counter()
    reference_set = Dataset.from_pandas(reference, data_definition=definition)
    for k, window in enumerate(slices):
        snapshot = Report([DataDriftPreset(method="ks")]).run(
            Dataset.from_pandas(window[COLUMNS], data_definition=definition), reference_set
        )
        for metric in snapshot.dict()["metrics"]:
            column = metric["config"].get("column")
            if metric["config"]["type"].endswith("ValueDrift") and column in COLUMNS:
                scores[k, COLUMNS.index(column)] = float(metric["value"])
    return time.perf_counter() - start, scores


def scipy_loop(reference: pd.DataFrame, slices: list[pd.DataFrame]) -> tuple[float, np.ndarray]:
    from scipy.stats import ks_2samp

    scores = np.zeros((len(slices), len(COLUMNS)))
    start = time.perf_counter()
    reference_columns = [reference[c].to_numpy() for c in COLUMNS]
    for k, window in enumerate(slices):
        for j, name in enumerate(COLUMNS):
            scores[k, j] = ks_2samp(reference_columns[j], window[name].to_numpy()).pvalue
    return time.perf_counter() - start, scores


def closeout_scores(metrics: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    rows = metrics["windows"]
    scores = np.array([[row["columns"][c]["score"] for c in COLUMNS] for row in rows])
    flags = np.array([[row["columns"][c]["drifted"] for c in COLUMNS] for row in rows])
    return scores, flags


def peak_memory(root: Path) -> tuple[int, int, int]:
    """Peak RSS growth of the replay, of a plain ``pd.read_parquet`` of the same files (each
    in a fresh process, imports done first), and the replay's peak traced allocation."""
    figures = []
    for what in ("replay", "read"):
        done = subprocess.run(
            [sys.executable, __file__, "--memory-probe", str(root), "--probe", what],
            capture_output=True,
            text=True,
            check=True,
        )
        figures.append([int(v) for v in done.stdout.split()])
    return figures[0][0], figures[1][0], figures[0][1]


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise SystemExit(f"no {field} in /proc/self/status")


def _warm_up_readers() -> None:
    with tempfile.TemporaryDirectory() as folder:
        tiny = Path(folder) / "tiny.parquet"
        pd.DataFrame(
            {"x": [1.0, 2.0], "t": pd.to_datetime(["2025-01-01"] * 2, utc=True)}
        ).to_parquet(tiny)
        read_frame(tiny, "tiny.parquet", lean=True)
        pd.read_parquet(tiny)


def memory_probe(root: Path, what: str) -> None:
    """Print the RSS growth (high-water mark) and traced peak of one replay or one read."""
    import pyarrow.parquet  # noqa: F401
    import scipy.stats  # noqa: F401

    replay_scoring.import_evidently()
    _warm_up_readers()  # first-use imports of the Parquet paths are not data memory
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS (Linux)
    before = _status_kib("VmRSS")
    tracemalloc.start()
    if what == "replay":
        closeout_replay(root, "ks")
    else:
        frames = [
            pd.read_parquet(root / name) for name in ("reference.parquet", "incident.parquet")
        ]
        del frames
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print((_status_kib("VmHWM") - before) * 1024, traced)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=48, help="incident windows (default 48)")
    parser.add_argument("--memory-probe", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--probe", default="replay", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_probe is not None:
        memory_probe(args.memory_probe, args.probe)
        return 0
    warnings.simplefilter("ignore")  # evidently's own deprecation warnings
    import evidently  # noqa: F401  (import cost stays out of every timing)

    reference, incident = make_data(args.windows)
    frames_bytes = int(
        reference.memory_usage(deep=True).sum() + incident.memory_usage(deep=True).sum()
    )
    slices = window_slices(incident, args.windows)
    print(
        f"reference {len(reference):,} rows x {len(COLUMNS)} columns; incident {args.windows} "
        f"hourly windows x {WINDOW_ROWS:,} rows; loaded frames {frames_bytes / 2**20:.0f} MiB"
    )
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_project(root, reference, incident, args.windows)
        closeout_replay(root, "ks")  # warm-up: first-call costs of pandas/scipy/evidently
        closeout_s, metrics = closeout_replay(root, "ks")
        auto_s, auto_metrics = closeout_replay(root, "auto")
        scipy_s, scipy_scores = scipy_loop(reference, slices)
        preset_s, preset_scores = preset_loop(reference, slices)
        peak = peak_memory(root)
    scores, flags = closeout_scores(metrics)
    report(closeout_s, auto_s, auto_metrics, scipy_s, preset_s)
    return check(scores, flags, scipy_scores, preset_scores, metrics, peak, frames_bytes)


def report(
    closeout_s: float, auto_s: float, auto: dict[str, Any], scipy_s: float, preset_s: float
) -> None:
    methods = sorted(
        {cell["method"] for row in auto["windows"] for cell in row["columns"].values()}
    )
    print(f"closeout replay, method ks            {closeout_s:8.2f} s")
    print(f"closeout replay, evidently's choice   {auto_s:8.2f} s  (chose {', '.join(methods)})")
    print(f"loop of scipy.stats.ks_2samp          {scipy_s:8.2f} s")
    print(f"loop of DataDriftPreset(method='ks')  {preset_s:8.2f} s")
    print(
        f"closeout / preset loop = {closeout_s / preset_s:.3f}x (target <= 0.2x); "
        f"closeout / scipy loop = {closeout_s / scipy_s:.2f}x (target <= 3x)"
    )


def check(
    scores: np.ndarray,
    flags: np.ndarray,
    scipy_scores: np.ndarray,
    preset_scores: np.ndarray,
    metrics: dict[str, Any],
    peak: tuple[int, int, int],
    frames_bytes: int,
) -> int:
    # evidently's ks drifts at p <= threshold (0.05 by default)
    same_preset = bool(np.array_equal(flags, preset_scores <= 0.05))
    same_scipy = bool(np.array_equal(flags, scipy_scores <= 0.05))
    alerting = [row["alerting"] for row in metrics["windows"]]
    same_alerts = alerting == list((preset_scores <= 0.05).any(axis=1))
    print(
        f"verdicts identical: preset {same_preset}, scipy {same_scipy}, window alerts "
        f"{same_alerts} ({int(flags.sum())} drifted cells, {sum(alerting)} alerting windows)"
    )
    print(
        f"largest score difference: vs preset {np.max(np.abs(scores - preset_scores)):.1e}, "
        f"vs scipy {np.max(np.abs(scores - scipy_scores)):.1e}"
    )
    rss, read_rss, traced = peak
    print(
        f"peak memory of the whole replay (fresh process): RSS growth {rss / 2**20:.0f} MiB = "
        f"{rss / frames_bytes:.2f}x the loaded frames (target <= 2x); of which reading alone, "
        f"as pd.read_parquet does it: {read_rss / 2**20:.0f} MiB = {read_rss / frames_bytes:.2f}x; "
        f"traced Python/numpy allocations of the replay {traced / 2**20:.0f} MiB = "
        f"{traced / frames_bytes:.2f}x"
    )
    return 0 if same_preset and same_scipy and same_alerts else 1


if __name__ == "__main__":
    sys.exit(main())

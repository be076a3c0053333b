"""drift_replay on data that does not fit in memory: a month of hourly windows from Parquet.

The bench writes a hive-partitioned Parquet folder into a temporary directory (``events/
date=2026-03-01/part-0.parquet`` ... 30 days, a timestamp and 5 float columns, two of them
drifting from day 20) and a reference of up to 1,000,000 rows, then replays it with
``method: ks`` over hourly windows (720 of them) in fresh processes:

1. closeout with ``workers = 1``, timing how the time splits between reading windows
   (``ParquetSource.read``) and scoring them (``ColumnScorer.score``);
2. closeout with one worker process per core (``workers = <cores>``; the default takes
   the cores other work leaves idle, so on a busy machine it may run serially);
3. the physical floor: reading the same columns of every row group with pyarrow and one
   ``np.sort`` per window and column, nothing else.

It prints rows/s, the split, the floor next to closeout's times, and the peak RSS of the
replay's processes (target: <= 1.5 GB). The full size (100 million rows, several minutes
and ~5 GB of disk) is opt-in: ``CLOSEOUT_BENCH_SCALE_ROWS=100000000 python
scripts/bench_drift_scale.py``; by default 3 million rows of the same layout keep ``nox -s
bench`` quick. Exit 1 if the replay fails or the alert does not fire after the onset.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROWS = int(os.environ.get("CLOSEOUT_BENCH_SCALE_ROWS", "3000000"))
DAYS = 30
COLUMNS = [f"f{i}" for i in range(5)]
DRIFTING = ("f0", "f1")
ROW_GROUP = 262_144
BYTES_PER_ROW = 8 * (len(COLUMNS) + 1)
RSS_TARGET = 1.5 * 2**30
CORES = len(os.sched_getaffinity(0))
START = np.datetime64("2026-03-01T00:00:00", "us")
POSTMORTEM = """\
id: INC-SCALE
title: A month of predictions
severity: SEV4
summary: Synthetic data for the drift_replay scale benchmark.
impact: {description: none}
started_at: 2026-03-21T00:00:00Z
detected_at: 2026-03-22T00:00:00Z
root_causes: [{id: RC1, category: data, description: shifted inputs}]
actions:
  - {id: A1, title: drift alert, type: detect, owner: bench, due: 2099-01-01,
     addresses: [RC1], success_criteria: fires}
"""
SCENARIO = f"""\
action: A1
kind: drift_replay
reference: reference.parquet
current: events
timestamp: ts
window: 1h
min_rows: 100
monitor: {{columns: [{", ".join(COLUMNS)}], method: ks, threshold: 0.01, correction: bonferroni}}
expect: {{fires_within: 6h, no_alert_before_onset: false}}
"""


def generate(root: Path, rows: int, seed: int = 11) -> None:
    """The reference file, and one Parquet file per day (time-ordered rows)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    reference_rows = min(1_000_000, max(rows // 10, 10_000))
    reference = rng.normal(0, 1, (reference_rows, len(COLUMNS)))
    pq.write_table(
        pa.table({c: reference[:, i] for i, c in enumerate(COLUMNS)}), root / "reference.parquet"
    )
    per_day = rows // DAYS
    for day in range(DAYS):
        micros = np.sort(rng.integers(0, 86_400_000_000, per_day))
        stamps = START + np.timedelta64(day, "D") + micros.astype("timedelta64[us]")
        values = rng.normal(0, 1, (per_day, len(COLUMNS)))
        if day >= 20:
            for name in DRIFTING:
                values[:, COLUMNS.index(name)] += 0.03
        table = pa.table(
            {"ts": pa.array(stamps, type=pa.timestamp("us", tz="UTC"))}
            | {c: values[:, i] for i, c in enumerate(COLUMNS)}
        )
        folder = root / "events" / f"date=2026-03-{day + 1:02d}"
        folder.mkdir(parents=True)
        pq.write_table(table, folder / "part-0.parquet", row_group_size=ROW_GROUP)
    (root / "pyproject.toml").write_text("[tool.closeout]\n")
    incident = root / "scenarios" / "INC-SCALE"
    incident.mkdir(parents=True)
    (incident / "postmortem.yaml").write_text(POSTMORTEM)
    (incident / "ks.yaml").write_text(SCENARIO)


def _peak_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def replay(root: Path, workers: int | None, split: bool) -> dict[str, Any]:
    """In a fresh process: one replay, timed; with ``split``, reading and scoring apart."""
    from closeout.kinds.drift_replay import parquet, ranked, scoring
    from closeout.loader import load_scenario
    from closeout.project import load_project
    from closeout.runner import run_loaded

    spent = {"read": 0.0, "score": 0.0, "pvalue": 0.0}
    if split:
        for owner, name, key in (
            (parquet.ParquetSource, "read", "read"),
            (scoring.ColumnScorer, "score", "score"),
            (ranked, "ks_pvalue", "pvalue"),
        ):
            original = getattr(owner, name)

            def timed(*args: Any, _original: Any = original, _key: str = key) -> Any:
                started = time.perf_counter()
                try:
                    return _original(*args)
                finally:
                    spent[_key] += time.perf_counter() - started

            setattr(owner, name, timed)
    setting = f"workers = {workers}\n" if workers is not None else ""
    (root / "pyproject.toml").write_text(f"[tool.closeout]\n{setting}")
    project = load_project(root)
    loaded = load_scenario(project, root / "scenarios" / "INC-SCALE" / "ks.yaml")
    started = time.perf_counter()
    result = run_loaded(loaded, project, with_before=False, artifacts=False)
    seconds = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    metrics = result.fixed.metrics
    return {
        "seconds": seconds,
        "verdict": result.fixed.verdict,
        "error": result.fixed.error,
        "fired_at": metrics.get("fired_at"),
        "windows": len(metrics.get("windows", [])),
        "rows": sum(w.get("rows", 0) for w in metrics.get("windows", [])),
        "read": spent["read"],
        "score": spent["score"],
        "pvalue": spent["pvalue"],
        "peak_kib": _peak_kib(),
        "child_peak_kib": children,
    }


def floor(root: Path) -> dict[str, Any]:
    """In a fresh process: read every row group's columns, sort each window's columns."""
    import pyarrow.parquet as pq

    reading = sorting = 0.0
    rows = 0
    hour = np.timedelta64(3_600_000_000, "us")
    for path in sorted((root / "events").glob("*/*.parquet")):
        handle = pq.ParquetFile(path)
        pending: dict[str, list[np.ndarray]] = {c: [] for c in ["ts", *COLUMNS]}
        started = time.perf_counter()
        for index in range(handle.metadata.num_row_groups):
            table = handle.read_row_group(index, columns=["ts", *COLUMNS])
            for name in pending:
                pending[name].append(table.column(name).to_numpy())
        arrays = {name: np.concatenate(parts) for name, parts in pending.items()}
        reading += time.perf_counter() - started
        rows += len(arrays["ts"])
        stamps = arrays["ts"].astype("datetime64[us]")
        keys = (stamps - stamps.min().astype("datetime64[D]")) // hour
        bounds = np.searchsorted(keys, np.arange(int(keys.max()) + 2))
        started = time.perf_counter()
        for low, high in itertools.pairwise(bounds):
            for name in COLUMNS:
                np.sort(arrays[name][low:high])
        sorting += time.perf_counter() - started
    return {"read": reading, "sort": sorting, "rows": rows, "peak_kib": _peak_kib()}


def child(argv: list[str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, *argv], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", choices=["serial", "parallel", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        if args.child == "floor":
            print(json.dumps(floor(args.root)))
        else:
            serial = args.child == "serial"
            print(json.dumps(replay(args.root, 1 if serial else CORES, serial)))
        return 0
    base = Path(tempfile.gettempdir())
    needed = int(ROWS * BYTES_PER_ROW * 1.2)
    free = shutil.disk_usage(base).free
    if free < needed:
        raise SystemExit(
            f"{base}: {free / 2**30:.1f} GiB free, the data needs ~{needed / 2**30:.1f} GiB"
        )
    with tempfile.TemporaryDirectory(dir=base) as folder:
        root = Path(folder)
        started = time.perf_counter()
        generate(root, ROWS)
        made = time.perf_counter() - started
        size = sum(p.stat().st_size for p in (root / "events").rglob("*.parquet"))
        print(
            f"{ROWS:,} rows x {len(COLUMNS)} columns + timestamp, {DAYS} daily files of "
            f"{ROWS // DAYS:,} rows (row groups of {ROW_GROUP:,}), {size / 2**30:.2f} GiB on "
            f"disk; written in {made:.0f} s; hourly windows, method ks"
        )
        serial = child(["--child", "serial", "--root", str(root)])
        parallel = child(["--child", "parallel", "--root", str(root)])
        bare = child(["--child", "floor", "--root", str(root)])
    return report(serial, parallel, bare)


def report(serial: dict[str, Any], parallel: dict[str, Any], bare: dict[str, Any]) -> int:
    ok = True
    for label, run in (
        ("workers = 1", serial),
        (f"workers = {CORES}, every core", parallel),
    ):
        if run["verdict"] == "error":
            print(f"closeout ({label}) could not run: {run['error']}")
            return 1
        peak = run["peak_kib"] * 1024
        child_peak = run["child_peak_kib"] * 1024
        print(
            f"closeout ({label}): {run['seconds']:.1f} s, {run['rows'] / run['seconds']:,.0f} "
            f"rows/s over {run['windows']} windows; verdict {run['verdict']}, fired at "
            f"{run['fired_at']}; peak RSS {peak / 2**30:.2f} GiB in the main process, "
            f"{child_peak / 2**30:.2f} GiB in the largest worker"
        )
        ok &= run["fired_at"] is not None and max(peak, child_peak) <= RSS_TARGET
    other = serial["seconds"] - serial["read"] - serial["score"]
    statistic = serial["score"] - serial["pvalue"]
    print(
        f"  where the serial time goes: reading windows {serial['read']:.1f} s; scoring "
        f"{serial['score']:.1f} s = the KS statistics {statistic:.1f} s + scipy's p-value "
        f"function (kstwo.sf, as ks_2samp calls it) {serial['pvalue']:.1f} s; the rest "
        f"(reference, time index, judging) {other:.1f} s"
    )
    floor_s = bare["read"] + bare["sort"]
    own = serial["seconds"] - serial["pvalue"]
    print(
        f"physical floor (pyarrow reading {bare['read']:.1f} s + one np.sort per window and "
        f"column {bare['sort']:.1f} s, one process): {floor_s:.1f} s, "
        f"{bare['rows'] / floor_s:,.0f} rows/s; closeout serial / floor = "
        f"{serial['seconds'] / floor_s:.2f}x ({own / floor_s:.2f}x "
        f"without scipy's p-values), with {CORES} workers {parallel['seconds'] / floor_s:.2f}x"
    )
    print(f"target peak RSS <= 1.5 GB per process: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

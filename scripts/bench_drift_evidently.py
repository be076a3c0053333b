"""Replaying an evidently Report against closeout's own monitor description (issue 16).

``monitor: {evidently: module:function}`` imports the team's Report factory, calls it and
translates the Report into the monitor closeout replays; that must cost no more than writing
the same monitor in closeout's words (target: ratio <= 1.1). Data: a reference of 100,000
rows x 8 numeric columns and 24 hourly windows of 10,000 rows (three columns shift from
window 12 on), Parquet files of a temporary closeout project. Two configurations, each as an
evidently Report and as closeout's description of it:

- ``preset``: ``DataDriftPreset(method="ks", drift_share=0.25)`` and
  ``{method: ks, alert_when: {drift_share: 0.25}}``;
- ``value-drift``: one ``ValueDrift(column=c)`` per column (evidently's automatic method:
  normed wasserstein here) and ``{columns: [...]}`` (an alert on any drifted column).

Each replay (read the files, window, score, judge; one process) is timed in CPU seconds
``--repeat`` times alternating the two forms; the best times are compared. The cost of
reading the Report (calling the factory, translating) is also timed alone. Exit 1 when the
two forms' per-window scores, flags or alerts differ, or when a ratio is over the target.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from closeout.kind import RunContext
from closeout.kinds.drift_replay import data as replay_data
from closeout.kinds.drift_replay import run as replay_run  # noqa: F401  (the engine, loaded early)
from closeout.kinds.drift_replay.evidently_monitor import read_monitor
from closeout.loader import load_scenario
from closeout.project import load_project
from closeout.runner import run_loaded

TARGET = 1.1
REFERENCE_ROWS = 100_000
WINDOW_ROWS = 10_000
WINDOWS = 24
COLUMNS = [f"f{i}" for i in range(8)]
SHIFTED = ["f0", "f3", "f6"]
START = pd.Timestamp("2026-03-02T00:00:00Z")
POSTMORTEM = """\
id: INC-BENCH
title: Benchmark incident
severity: SEV4
summary: Synthetic data for the evidently Report benchmark.
impact: {description: none}
started_at: 2026-03-02T12:00:00Z
detected_at: 2026-03-02T20:00:00Z
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
monitor: {monitor}
expect: {{fires_within: 4h}}
"""
FACTORIES = f"""\
from evidently import Report
from evidently.metrics import ValueDrift
from evidently.presets import DataDriftPreset

COLUMNS = {COLUMNS!r}


def preset():
    return Report([DataDriftPreset(method="ks", drift_share=0.25)])


def value_drift():
    return Report([ValueDrift(column=c) for c in COLUMNS])
"""
CONFIGURATIONS = {
    "preset": (
        '{evidently: "bench_monitors.py:preset"}',
        "{method: ks, alert_when: {drift_share: 0.25}}",
    ),
    "value-drift": (
        '{evidently: "bench_monitors.py:value_drift"}',
        f"{{columns: [{', '.join(COLUMNS)}]}}",
    ),
}


def write_project(root: Path) -> None:
    rng = np.random.default_rng(16)
    # one process: the replay's CPU time is then all in this process, and CPU time is what
    # the two forms are compared on (wall time on a shared machine varies more than they do)
    (root / "pyproject.toml").write_text("[tool.closeout]\nworkers = 1\n")
    folder = root / "scenarios" / "INC-BENCH"
    folder.mkdir(parents=True)
    (folder / "postmortem.yaml").write_text(POSTMORTEM)
    (root / "bench_monitors.py").write_text(FACTORIES)
    for name, (report, own) in CONFIGURATIONS.items():
        (folder / f"{name}-evidently.yaml").write_text(SCENARIO.format(monitor=report))
        (folder / f"{name}-own.yaml").write_text(SCENARIO.format(monitor=own))
    reference = rng.normal(0, 1, (REFERENCE_ROWS, len(COLUMNS)))
    pd.DataFrame(reference, columns=COLUMNS).to_parquet(root / "reference.parquet")
    parts = []
    for k in range(WINDOWS):
        values = rng.normal(0, 1, (WINDOW_ROWS, len(COLUMNS)))
        if k >= WINDOWS // 2:
            for name in SHIFTED:
                values[:, COLUMNS.index(name)] += 0.1
        part = pd.DataFrame(values, columns=COLUMNS)
        seconds = np.sort(rng.integers(0, 3600, WINDOW_ROWS))
        part.insert(0, "ts", START + pd.Timedelta(hours=k) + pd.to_timedelta(seconds, unit="s"))
        parts.append(part)
    pd.concat(parts, ignore_index=True).to_parquet(root / "incident.parquet")


def replay(root: Path, scenario: str) -> tuple[float, list[dict[str, Any]]]:
    """Time one whole replay (files read inside the timed region); its window table."""
    replay_data._FRAMES.clear()
    project = load_project(root)
    loaded = load_scenario(project, root / "scenarios" / "INC-BENCH" / f"{scenario}.yaml")
    start = time.process_time()
    result = run_loaded(loaded, project, with_before=False, artifacts=False)
    seconds = time.process_time() - start
    if result.fixed.verdict == "error":
        raise SystemExit(f"{scenario}: closeout could not run: {result.fixed.error}")
    return seconds, result.fixed.metrics["windows"]


def reading_cost(root: Path, scenario: str, calls: int = 50) -> float:
    """Seconds one reading of the Report takes (import cached, call, translate): the whole
    difference between the two forms, measured alone because the machine's noise between
    two replays is larger than it."""
    project = load_project(root)
    loaded = load_scenario(project, root / "scenarios" / "INC-BENCH" / f"{scenario}.yaml")
    context = RunContext(
        project, loaded.postmortem, "INC-BENCH", scenario, loaded.display, 1, "fixed", None, ""
    )
    read_monitor(loaded.model.monitor, loaded.model, context)
    start = time.perf_counter()
    for _ in range(calls):
        read_monitor(loaded.model.monitor, loaded.model, context)
    return (time.perf_counter() - start) / calls


def same_windows(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> bool:
    def key(rows: list[dict[str, Any]]) -> list[Any]:
        return [
            (
                r.get("alerting"),
                sorted((c, v["method"], v["score"], v["drifted"]) for c, v in r["columns"].items()),
            )
            for r in rows
        ]

    return key(a) == key(b)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed runs of each form")
    args, _ = parser.parse_known_args(argv)  # nox passes every bench the same arguments
    failed = False
    with tempfile.TemporaryDirectory(prefix="closeout-bench-evidently-") as folder:
        root = Path(folder)
        write_project(root)
        print(
            f"replaying an evidently Report vs closeout's own monitor description "
            f"({REFERENCE_ROWS:,} reference rows, {WINDOWS} windows of {WINDOW_ROWS:,} rows, "
            f"{len(COLUMNS)} columns; best of {args.repeat})"
        )
        for name in CONFIGURATIONS:
            for form in ("evidently", "own"):  # warm: imports, the factory module, caches
                replay(root, f"{name}-{form}")
            best = {"evidently": float("inf"), "own": float("inf")}
            tables: dict[str, list[dict[str, Any]]] = {}
            for turn in range(args.repeat):
                # alternate which form goes first: neither profits from the other's warm caches
                for form in ("evidently", "own") if turn % 2 == 0 else ("own", "evidently"):
                    seconds, tables[form] = replay(root, f"{name}-{form}")
                    best[form] = min(best[form], seconds)
            ratio = best["evidently"] / best["own"]
            identical = same_windows(tables["evidently"], tables["own"])
            verdict = "ok" if ratio <= TARGET and identical else "OVER TARGET"
            print(
                f"  {name:12s} evidently Report {best['evidently']:.3f} CPU s, own description "
                f"{best['own']:.3f} CPU s: ratio {ratio:.3f} (target <= {TARGET}); windows "
                f"{'identical' if identical else 'DIFFER'}: {verdict}"
            )
            cost = reading_cost(root, f"{name}-evidently")
            print(
                f"  {'':12s} reading the Report (call + translate): {cost * 1000:.2f} ms per "
                f"replay = {cost / best['own']:.2%} of the replay"
            )
            failed |= verdict != "ok"
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

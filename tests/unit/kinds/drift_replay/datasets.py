"""Test data for drift_replay sources: one incident written every way SPEC §12 allows.

The same rows are written as a CSV file, a Parquet file with small row groups, a folder of
hive-partitioned Parquet files (``part=<k>/``), and a table in a real DuckDB database file,
so a replay of each can be compared with the replay of the CSV file read into memory.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from closeout.loader import load_scenario
from closeout.project import load_project
from closeout.runner import ScenarioRun, run_loaded

START = pd.Timestamp("2025-07-01T00:00:00Z")
FOLDER = "fixtures/INC-1"


def reference_frame(rows: int = 1500, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": rng.normal(0, 1, rows),
            "n": rng.integers(0, 40, rows),
            "region": rng.choice(["EU", "US", "APAC"], rows, p=[0.5, 0.3, 0.2]),
        }
    )


def incident_frame(hours: int = 6, rows: int = 120, seed: int = 5) -> pd.DataFrame:
    """Hourly windows; x and region drift from 02:00 (INC-1's onset is 01:00)."""
    rng = np.random.default_rng(seed)
    parts = []
    for hour in range(hours):
        drift = hour >= 2
        seconds = np.sort(rng.integers(0, 3600, rows))
        parts.append(
            pd.DataFrame(
                {
                    "ts": START + pd.Timedelta(hours=hour) + pd.to_timedelta(seconds, unit="s"),
                    "x": rng.normal(1.0 if drift else 0.0, 1, rows),
                    "n": rng.integers(0, 40, rows),
                    "region": rng.choice(
                        ["EU", "US", "APAC"], rows, p=[0.2, 0.3, 0.5] if drift else [0.5, 0.3, 0.2]
                    ),
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    frame.loc[7, "x"] = np.nan  # evidently drops it; so must every source
    return frame


def write_sources(root: Path, frame: pd.DataFrame) -> dict[str, str]:
    """The incident as CSV, Parquet, a hive-partitioned folder, a glob and a DuckDB query;
    returns the YAML value of ``current:`` for each."""
    folder = root / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    reference_frame().to_parquet(folder / "reference.parquet")
    text = frame.assign(ts=frame["ts"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
    text.to_csv(folder / "incident.csv", index=False)
    frame.to_parquet(folder / "incident.parquet", row_group_size=50)
    for part, rows in frame.groupby(frame["ts"].dt.hour // 2):
        target = folder / "parts" / f"part={part}"
        target.mkdir(parents=True, exist_ok=True)
        rows.to_parquet(target / "data-0.parquet", row_group_size=40, index=False)
    (folder / "parts" / "_SUCCESS").write_text("")
    connection = duckdb.connect(str(folder / "events.duckdb"))
    connection.register("frame_view", frame)
    connection.execute("create table events as select * from frame_view")
    connection.close()
    return {
        "csv": f"{FOLDER}/incident.csv",
        "parquet": f"{FOLDER}/incident.parquet",
        "folder": f"{FOLDER}/parts",
        "glob": f"{FOLDER}/parts/*/*.parquet",
        "duckdb": f'{{duckdb: {FOLDER}/events.duckdb, query: "select * from events"}}',
    }


SCENARIO = """\
action: A1
kind: drift_replay
reference: {reference}
current: {current}
timestamp: ts
window: 1h
min_rows: 10
monitor: {monitor}
expect: {{fires_within: 2h}}
"""


def scenario(current: str, monitor: str = "{columns: [x, n, region]}", **fields: str) -> str:
    values = {"reference": f"{FOLDER}/reference.parquet", "current": current, "monitor": monitor}
    return SCENARIO.format(**{**values, **fields})


def run(root: Path, text: str, name: str = "replay", artifacts: bool = False) -> ScenarioRun:
    path = root / "scenarios" / "INC-1" / f"{name}.yaml"
    path.write_text(text)
    project = load_project()
    return run_loaded(load_scenario(project, path), project, artifacts=artifacts)

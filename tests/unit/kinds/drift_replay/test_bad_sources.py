"""More bad data sources a tired user writes (issue 13): each an `error` verdict at the
scenario line of the source, never a traceback; and an empty partition column is no error.

Real Parquet folders and a real DuckDB file in tmp dirs (``datasets.write_sources``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.unit.kinds.drift_replay.datasets import (
    FOLDER,
    incident_frame,
    run,
    scenario,
    write_sources,
)

from closeout.kinds.drift_replay import duck, parquet

AT_CURRENT = "scenarios/INC-1/replay.yaml:4: current"


@pytest.fixture
def paths(project_dir: Path) -> dict[str, str]:
    return write_sources(project_dir, incident_frame())


def error_of(project_dir: Path, text: str) -> str:
    result = run(project_dir, text)
    assert result.fixed.verdict == "error", result.fixed.metrics
    assert result.fixed.traceback is None, result.fixed.traceback
    return str(result.fixed.error)


def query(text: str) -> str:
    return scenario(f'{{duckdb: {FOLDER}/events.duckdb, query: "{text}"}}')


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        # DuckDB fails only when it reads the rows, not when it plans the query
        (
            "select cast(region as timestamp) as ts, x, n, region from events",
            'Conversion Error: invalid timestamp field format: "APAC"',
        ),
        (
            "select 'not a time' as ts, x, n, region from events",
            'Conversion Error: invalid timestamp field format: "not a time"',
        ),
        (
            "select ts, cast(region as integer) as x, n, region from events",
            "Conversion Error: Could not convert string 'APAC' to INT32",
        ),
    ],
    ids=["cast-timestamp", "text-timestamp", "cast-column"],
)
def test_a_query_failing_on_its_rows_gives_duckdbs_message_at_the_query_line(
    project_dir: Path, paths: dict[str, str], sql: str, message: str
) -> None:
    error = error_of(project_dir, query(sql))
    assert error.startswith(f"{AT_CURRENT}.query: DuckDB: {message}"), error


def test_a_corrupt_partition_is_located(project_dir: Path, paths: dict[str, str]) -> None:
    broken = project_dir / FOLDER / "parts" / "part=2" / "data-0.parquet"
    broken.write_bytes(b"PAR1 not really parquet")
    error = error_of(project_dir, scenario(paths["folder"]))
    assert error.startswith(
        f"{AT_CURRENT}: {FOLDER}/parts/part=2/data-0.parquet: cannot read parquet: "
    ), error


def test_a_reference_larger_than_memory_is_located_at_the_reference_line(
    project_dir: Path, paths: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parquet, "memory_budget", lambda: 1000)
    error = error_of(project_dir, scenario(paths["csv"], reference=paths["folder"]))
    assert error.startswith("scenarios/INC-1/replay.yaml:3: reference: "), error
    assert "sample it" in error


def test_a_window_larger_than_memory_in_worker_processes_is_located(
    project_dir: Path, paths: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (project_dir / "pyproject.toml").write_text("[tool.closeout]\nworkers = 2\n")
    reference = f"{FOLDER}/reference.csv"  # read whole: only the windows meet the budget
    (project_dir / reference).write_text("x,n,region\n0.1,3,EU\n0.2,4,US\n")
    monkeypatch.setattr(parquet, "memory_budget", lambda: 1000)  # the forked workers see it
    monkeypatch.setattr(duck, "memory_budget", lambda: 1000)
    for name in ("folder", "duckdb"):
        error = error_of(project_dir, scenario(paths[name], reference=reference))
        assert error.startswith(f"{AT_CURRENT}: "), error
        assert "use a smaller window (window: 15m)" in error


def test_a_column_empty_in_one_partition_replays_like_the_file_with_empty_cells(
    project_dir: Path, paths: dict[str, str]
) -> None:
    frame = incident_frame()
    partition = project_dir / FOLDER / "parts" / "part=1" / "data-0.parquet"
    rows = pd.read_parquet(partition)
    rows["x"] = None  # pandas writes an all-None column with Arrow's null type
    rows.to_parquet(partition, index=False)
    assert str(pd.read_parquet(partition)["x"].dtype) == "object"
    # the oracle: the same rows in one Parquet file read whole, x empty in that partition
    frame.loc[frame["ts"].dt.hour // 2 == 1, "x"] = np.nan
    frame.to_parquet(project_dir / FOLDER / "expected.parquet")
    expected = run(project_dir, scenario(f"{FOLDER}/expected.parquet"), name="expected")
    assert expected.fixed.verdict != "error", expected.fixed.error
    for source in ("folder", "glob"):
        result = run(project_dir, scenario(paths[source]))
        assert result.fixed.verdict != "error", result.fixed.error
        assert result.fixed.metrics["windows"] == expected.fixed.metrics["windows"]
    assert [w["rows"] for w in expected.fixed.metrics["windows"]][2:4] == [120, 120]
    assert "x" in expected.fixed.metrics["windows"][2].get("empty_columns", [])

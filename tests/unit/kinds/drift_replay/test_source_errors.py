"""Bad data sources (SPEC §12) are `error` verdicts with a clear message, never a traceback.

Each case is what a tired user produces: a glob that matches nothing (when the scenario runs
without lint), partitions written with different schemas, a timestamp column of another type
in one partition, a DuckDB file that does not exist or is not a database, a query that fails
(DuckDB's own message, at the scenario's ``query`` line), a window or reference larger than
the memory available (a message suggesting a smaller window, or sampling).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from tests.unit.kinds.drift_replay.datasets import (
    FOLDER,
    incident_frame,
    run,
    scenario,
    write_sources,
)

from closeout.kinds.drift_replay import duck, parquet, sources
from closeout.loader import load_scenario
from closeout.project import load_project
from closeout.runner import run_loaded


@pytest.fixture
def paths(project_dir: Path) -> dict[str, str]:
    return write_sources(project_dir, incident_frame())


# a streamed source's problem is located at the scenario line naming that source
AT_CURRENT = "scenarios/INC-1/replay.yaml:4: current: "


def error_of(project_dir: Path, text: str) -> str:
    result = run(project_dir, text)
    assert result.fixed.verdict == "error", result.fixed.metrics
    assert result.fixed.traceback is None, result.fixed.traceback
    return str(result.fixed.error)


def rewrite_partition(project_dir: Path, part: int, change: dict[str, object]) -> str:
    path = project_dir / FOLDER / "parts" / f"part={part}" / "data-0.parquet"
    frame = pd.read_parquet(path)
    for column, value in change.items():
        frame[column] = value
    frame.to_parquet(path, index=False)
    return f"{FOLDER}/parts/part={part}/data-0.parquet"


def error_after_removing(project_dir: Path, text: str, *removed: Path) -> str:
    """Load (and lint) the scenario, then remove files before it runs: the run must say so
    itself (lint catches these earlier: tests/corpus and test_check.py)."""
    path = project_dir / "scenarios" / "INC-1" / "replay.yaml"
    path.write_text(text)
    project = load_project()
    loaded = load_scenario(project, path)
    for file in removed:
        file.unlink()
    result = run_loaded(loaded, project, artifacts=False)
    assert result.fixed.verdict == "error" and result.fixed.traceback is None
    return str(result.fixed.error)


def test_a_glob_matching_nothing_is_located_at_the_scenario_line(
    project_dir: Path, paths: dict[str, str]
) -> None:
    files = sorted((project_dir / FOLDER / "parts").glob("*/*.parquet"))
    error = error_after_removing(project_dir, scenario(paths["glob"]), *files)
    assert error.startswith("scenarios/INC-1/replay.yaml:4: current: glob "), error
    assert "matches no Parquet file" in error


def test_a_duckdb_file_removed_before_the_run(project_dir: Path, paths: dict[str, str]) -> None:
    error = error_after_removing(
        project_dir, scenario(paths["duckdb"]), project_dir / FOLDER / "events.duckdb"
    )
    assert error == (
        "scenarios/INC-1/replay.yaml:4: current.duckdb: DuckDB file "
        "'fixtures/INC-1/events.duckdb' not found"
    )


def test_partitions_with_different_schemas(project_dir: Path, paths: dict[str, str]) -> None:
    broken = rewrite_partition(project_dir, 1, {"x": "high"})
    error = error_of(project_dir, scenario(paths["folder"]))
    assert error.startswith(
        f"{AT_CURRENT}{broken}: column 'x' is categorical (string) here but numeric"
    ), error
    assert (
        "part=0/data-0.parquet: the files of current 'fixtures/INC-1/parts' have different "
        "schemas" in error
    )


def test_a_column_missing_from_one_partition(project_dir: Path, paths: dict[str, str]) -> None:
    path = project_dir / FOLDER / "parts" / "part=2" / "data-0.parquet"
    pd.read_parquet(path).drop(columns=["region"]).to_parquet(path, index=False)
    error = error_of(project_dir, scenario(paths["glob"]))
    assert error.startswith(AT_CURRENT), error
    assert "part=2/data-0.parquet: no column 'region'" in error and "different schemas" in error


def test_a_timestamp_of_the_wrong_type_in_one_partition(
    project_dir: Path, paths: dict[str, str]
) -> None:
    broken = rewrite_partition(project_dir, 2, {"ts": 1751328000})
    error = error_of(project_dir, scenario(paths["folder"]))
    assert error.startswith(f"{AT_CURRENT}{broken}: column 'ts' holds numbers, not timestamps")
    assert "it holds timestamp[" in error


def test_an_unparsable_text_timestamp_in_one_partition_names_file_and_row(
    project_dir: Path, paths: dict[str, str]
) -> None:
    path = project_dir / FOLDER / "parts" / "part=1" / "data-0.parquet"
    frame = pd.read_parquet(path)
    frame["ts"] = frame["ts"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    frame.loc[frame.index[3], "ts"] = "yesterday"
    frame.to_parquet(path, index=False)
    error = error_of(project_dir, scenario(paths["folder"]))
    assert error.startswith(AT_CURRENT), error
    assert (
        "part=1/data-0.parquet (row group 0) row 3: column 'ts': cannot parse 'yesterday'" in error
    )


@pytest.mark.parametrize(
    ("source", "line", "message"),
    [
        (
            f'{{duckdb: {FOLDER}/broken.duckdb, query: "select * from events"}}',
            4,
            "current.duckdb: IO Error: The file",
        ),
        (
            f'{{duckdb: {FOLDER}/events.duckdb, query: "select * from evnets"}}',
            4,
            "current.query: DuckDB: Catalog Error: Table with name evnets does not exist!",
        ),
        (
            f'{{duckdb: {FOLDER}/events.duckdb, query: "select ts, x, n, regoin from events"}}',
            4,
            'current.query: DuckDB: Binder Error: Referenced column "regoin" not found',
        ),
    ],
    ids=["not-a-database", "failing-query", "unknown-column"],
)
def test_duckdb_problems_are_located_at_the_scenario_line(
    project_dir: Path, paths: dict[str, str], source: str, line: int, message: str
) -> None:
    (project_dir / FOLDER / "broken.duckdb").write_text("exported by hand, not a database\n")
    error = error_of(project_dir, scenario(source))
    assert error.startswith(f"scenarios/INC-1/replay.yaml:{line}: {message}"), error


def test_a_failing_query_in_block_style_points_at_its_own_line(
    project_dir: Path, paths: dict[str, str]
) -> None:
    current = (
        f"\n  duckdb: {FOLDER}/events.duckdb\n  query: >\n    select ts, x, n, region\n"
        "    from events where\n"
    )
    error = error_of(project_dir, scenario(current))
    # the query is on line 6 of the scenario (current: on 4, duckdb: on 5)
    assert error.startswith("scenarios/INC-1/replay.yaml:6: current.query: DuckDB: Parser Error")


def test_a_query_timestamp_that_is_a_number_says_how_to_convert_it(
    project_dir: Path, paths: dict[str, str]
) -> None:
    query = "select epoch(ts) as ts, x, n, region from events"
    error = error_of(project_dir, scenario(f'{{duckdb: {FOLDER}/events.duckdb, query: "{query}"}}'))
    assert "column 'ts' holds numbers, not timestamps" in error and "to_timestamp(ts)" in error


def test_a_query_with_empty_timestamps(project_dir: Path, paths: dict[str, str]) -> None:
    query = "select * from events union all select null, 1.0, 1, 'EU'"
    error = error_of(project_dir, scenario(f'{{duckdb: {FOLDER}/events.duckdb, query: "{query}"}}'))
    assert "1 row of the query have no 'ts'" in error


@pytest.mark.parametrize("name", ["parquet", "folder", "duckdb"])
def test_a_window_larger_than_memory_suggests_a_smaller_window(
    project_dir: Path, paths: dict[str, str], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = f"{FOLDER}/reference.csv"  # read whole: only the windows meet the budget
    (project_dir / reference).write_text("x,n,region\n0.1,3,EU\n0.2,4,US\n")
    monkeypatch.setattr(sources, "IN_MEMORY_BYTES", 0)
    monkeypatch.setattr(parquet, "memory_budget", lambda: 1000)
    monkeypatch.setattr(duck, "memory_budget", lambda: 1000)
    error = error_of(project_dir, scenario(paths[name], reference=reference))
    assert error.startswith(AT_CURRENT), error
    assert re.search(r"the window 2025-07-01T0\d:00:00Z - 2025-07-01T0\d:00:00Z needs ", error)
    assert "use a smaller window (window: 15m)" in error


@pytest.mark.parametrize("name", ["folder", "duckdb"])
def test_a_reference_larger_than_memory_suggests_sampling(
    project_dir: Path, paths: dict[str, str], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parquet, "memory_budget", lambda: 1000)
    monkeypatch.setattr(duck, "memory_budget", lambda: 1000)
    error = error_of(project_dir, scenario(paths["csv"], reference=paths[name]))
    assert "more than the 1,000 bytes" not in error  # sizes are in KiB/MiB
    assert "of memory" in error and "sample" in error


def test_an_empty_dataset_column_and_a_query_without_rows(
    project_dir: Path, paths: dict[str, str]
) -> None:
    query = "select * from events where false"
    error = error_of(project_dir, scenario(f'{{duckdb: {FOLDER}/events.duckdb, query: "{query}"}}'))
    assert "the query returns no rows" in error
    connection = duckdb.connect(str(project_dir / FOLDER / "events.duckdb"))
    connection.execute("update events set x = null")
    connection.close()
    error = error_of(project_dir, scenario(paths["duckdb"]))
    assert "column 'x' has no values (every cell is empty) in this current query" in error

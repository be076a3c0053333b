"""drift_replay reads the sources of SPEC §12: a Parquet file, a folder or glob of Parquet
files (hive partitions), and a DuckDB query, streamed a window at a time.

Each source holds the same rows; each replay must give the very window table (rows, scores,
flags, alerts) of the Parquet file read whole into memory, the path closeout has always had.
Streaming must read only the monitored columns and, per window, only the row groups its time
range meets (checked by watching pyarrow's reads), and it must fit a memory budget that the
whole period would not fit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from tests.unit.kinds.drift_replay.datasets import (
    incident_frame,
    reference_frame,
    run,
    scenario,
    write_sources,
)

from closeout.kinds.drift_replay import parquet, sources


@pytest.fixture
def paths(project_dir: Path) -> dict[str, str]:
    return write_sources(project_dir, incident_frame())


def windows(project_dir: Path, current: str, monitor: str = "{columns: [x, n, region]}") -> Any:
    result = run(project_dir, scenario(current, monitor))
    assert result.fixed.verdict != "error", result.fixed.error
    return result.fixed.metrics["windows"]


@pytest.mark.parametrize("name", ["parquet", "folder", "glob", "duckdb"])
def test_every_source_gives_the_in_memory_replay(
    project_dir: Path, paths: dict[str, str], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = windows(project_dir, paths["parquet"])
    assert len(expected) == 6 and sum(w["alerting"] for w in expected) >= 3
    monkeypatch.setattr(sources, "IN_MEMORY_BYTES", 0)  # stream the single file too
    assert windows(project_dir, paths[name]) == expected


@pytest.mark.parametrize(
    "monitor", ["{}", "{method: psi}", "{method: ks, per_column: {region: {method: z}}}"]
)
def test_default_columns_and_methods_agree_across_sources(
    project_dir: Path, paths: dict[str, str], monitor: str
) -> None:
    # without `columns` the monitored columns come from the schema of each source
    expected = windows(project_dir, paths["parquet"], monitor)
    assert set(expected[0]["columns"]) == {"x", "n", "region"}
    for name in ("folder", "duckdb"):
        assert windows(project_dir, paths[name], monitor) == expected, name


def test_a_hive_partition_key_is_a_column(project_dir: Path, paths: dict[str, str]) -> None:
    # the reference is the first partition (a dataset read whole); part is a column of both
    text = scenario(
        paths["folder"],
        "{columns: [x, part], per_column: {part: {method: psi}}}",
        reference="fixtures/INC-1/parts/part=0",
    )
    result = run(project_dir, text)
    assert result.fixed.verdict != "error", result.fixed.error
    table = result.fixed.metrics["windows"]
    assert result.fixed.metrics["columns"]["part"]["type"] == "numeric"
    # part=0 holds 00:00-02:00 and matches the reference; later partitions drift in `part`
    assert [w["columns"]["part"]["evidently_drifted"] for w in table] == [False] * 2 + [True] * 4


def test_streaming_reads_only_the_monitored_columns_and_meeting_row_groups(
    project_dir: Path, paths: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[tuple[int, tuple[str, ...]]] = []
    original = pq.ParquetFile.read_row_group

    def watched(self: Any, index: int, columns: Any = None, **kwargs: Any) -> Any:
        reads.append((index, tuple(columns or ())))
        return original(self, index, columns=columns, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "read_row_group", watched)
    monkeypatch.setattr(sources, "IN_MEMORY_BYTES", 0)
    (project_dir / "pyproject.toml").write_text("[tool.closeout]\nworkers = 1\n")  # watch here
    windows(project_dir, paths["parquet"], "{columns: [x]}")
    # 720 rows in row groups of 50: 15 row groups, each decoded once although most span
    # two windows, and only the monitored column with the timestamp
    assert len(reads) == 15
    assert {columns for _, columns in reads} == {("x", "ts")}
    assert sorted(index for index, _ in reads) == list(range(15))


def test_a_period_larger_than_the_budget_streams_within_it(
    project_dir: Path, paths: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = "fixtures/INC-1/reference.csv"  # read whole, outside the streaming budget
    reference_frame().to_csv(project_dir / reference, index=False)
    expected = run(project_dir, scenario(paths["parquet"], reference=reference)).fixed.metrics
    # room for the row groups one window meets, not for the 720 rows of the period
    per_row = (2 * 8 + 64 + 8) * 2  # x, n: numbers; region: text; ts; read overhead
    budget = 200 * per_row
    monkeypatch.setattr(sources, "IN_MEMORY_BYTES", 0)
    monkeypatch.setattr(parquet, "memory_budget", lambda: budget)
    assert 720 * per_row > budget
    for name in ("parquet", "folder"):
        streamed = run(project_dir, scenario(paths[name], reference=reference)).fixed
        assert streamed.verdict != "error", streamed.error
        assert streamed.metrics["windows"] == expected["windows"], name


def test_artifacts_come_from_the_streamed_window(project_dir: Path, paths: dict[str, str]) -> None:
    result = run(project_dir, scenario(paths["duckdb"]), artifacts=True)
    assert result.fixed.verdict != "error", result.fixed.error
    snapshot = next(a for a in result.fixed.artifacts if a.endswith("-evidently.json"))
    text = (project_dir / snapshot).read_text(encoding="utf-8")
    assert "region" in text and "Dataset Drift is detected" in text
    first = next(w for w in result.fixed.metrics["windows"] if w.get("alerting"))
    assert result.fixed.metrics["report_window"]["start"] == first["start"]


def test_rows_out_of_time_order_stream_like_the_file_reads(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a file whose rows are not in time order: every row group spans every window, and a
    # window's rows keep their order in the file
    frame = incident_frame().sample(frac=1.0, random_state=3).reset_index(drop=True)
    paths = write_sources(project_dir, frame)
    expected = windows(project_dir, paths["parquet"], "{columns: [x, n, region], method: psi}")
    monkeypatch.setattr(sources, "IN_MEMORY_BYTES", 0)
    for name in ("parquet", "folder", "duckdb"):
        streamed = windows(project_dir, paths[name], "{columns: [x, n, region], method: psi}")
        assert streamed == expected, name

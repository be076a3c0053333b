"""Windows scored across worker processes give exactly the serial run (``workers``).

The same scenario runs with ``[tool.closeout] workers = 1`` and ``workers = 3`` (forcing the
parallel path even for small data): the metrics (every window's scores, flags, alerts,
firings and the warnings evidently's tests raised) must be identical, for an in-memory file,
a Parquet dataset and a DuckDB query, and for methods that draw random numbers (TVD and
empirical_mmd permute; their seeds must not depend on the process).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.unit.kinds.drift_replay.datasets import (
    incident_frame,
    reference_frame,
    run,
    scenario,
    write_sources,
)

from closeout.errors import UsageError
from closeout.kinds.drift_replay import parallel
from closeout.kinds.drift_replay.parallel import worker_count
from closeout.kinds.drift_replay.source import Source
from closeout.kinds.drift_replay.windows import Window
from closeout.project import load_project


@pytest.fixture
def paths(project_dir: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setattr(parallel, "PARALLEL_MIN_VALUES", 0)  # small data, parallel anyway
    return write_sources(project_dir, incident_frame(hours=8))


def metrics(project_dir: Path, text: str, workers: int) -> dict[str, Any]:
    (project_dir / "pyproject.toml").write_text(f"[tool.closeout]\nworkers = {workers}\n")
    result = run(project_dir, text)
    assert result.fixed.verdict != "error", result.fixed.error
    return result.fixed.metrics


@pytest.mark.slow
@pytest.mark.parametrize("name", ["parquet", "folder", "duckdb"])
@pytest.mark.parametrize(
    "monitor",
    ["{}", "{columns: [x, n, region], method: psi, correction: fdr}"],
    ids=["automatic", "psi-fdr"],
)
def test_parallel_windows_equal_the_serial_run(
    project_dir: Path, paths: dict[str, str], name: str, monitor: str
) -> None:
    text = scenario(paths[name], monitor)
    serial = metrics(project_dir, text, 1)
    assert metrics(project_dir, text, 3) == serial


@pytest.mark.slow
def test_tests_drawing_random_numbers_give_the_same_scores_in_any_process(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # TVD and empirical_mmd permute (1000 and 100 times): small data keeps them quick
    monkeypatch.setattr(parallel, "PARALLEL_MIN_VALUES", 0)
    paths = write_sources(project_dir, incident_frame(hours=4, rows=30))
    reference = "fixtures/INC-1/small.csv"
    reference_frame(rows=150).to_csv(project_dir / reference, index=False)
    monitor = (
        "{columns: [n, region], per_column: {n: {method: empirical_mmd}, region: {method: TVD}}}"
    )
    text = scenario(paths["folder"], monitor, reference=reference)
    serial = metrics(project_dir, text, 1)
    assert {c["method"] for w in serial["windows"] for c in w["columns"].values()} == {
        "empirical_mmd",
        "TVD",
    }
    assert metrics(project_dir, text, 2) == serial


def test_parallel_equals_serial_on_the_in_memory_file(
    project_dir: Path, paths: dict[str, str]
) -> None:
    text = scenario(paths["parquet"], "{method: ks, per_column: {region: {method: psi}}}")
    serial = metrics(project_dir, text, 1)
    assert len(serial["windows"]) == 8
    assert metrics(project_dir, text, 2) == serial


class _Frame(Source):
    """A stand-in source: in memory, with known window sizes."""

    role, display, noun = "current", "x.csv", "file"

    def names(self) -> list[str]:
        return []

    def kind(self, column: str) -> Any:
        return None

    def read_all(self, columns: list[str]) -> dict[str, Any]:
        return {}

    def windows(self, timestamp: str, window_ms: int) -> list[Window]:
        return []

    def read(self, columns: list[str], window: Window) -> tuple[int, dict[str, Any]]:
        return 0, {}

    def release(self) -> None:
        return None

    @property
    def streamed(self) -> bool:
        return False


def test_worker_count_follows_the_setting_and_the_size_of_the_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(parallel, "cores", lambda: 4)
    monkeypatch.setattr(parallel.os, "getloadavg", lambda: (1.0, 1.0, 1.0))  # only us
    big = [Window(k, 0, 1, 100_000) for k in range(10)]
    small = [Window(k, 0, 1, 100) for k in range(10)]
    assert worker_count(None, _Frame(), big, 5) == 4  # default: the cores available
    assert worker_count(2, _Frame(), big, 5) == 2
    assert worker_count(1, _Frame(), big, 5) == 1
    assert worker_count(None, _Frame(), small, 5) == 1  # forking costs more than it saves
    assert worker_count(8, _Frame(), big[:3], 5) == 3  # never more workers than windows
    # three other processes keep three of the four cores busy: one is left
    monkeypatch.setattr(parallel.os, "getloadavg", lambda: (4.2, 4.0, 3.0))
    assert worker_count(None, _Frame(), big, 5) == 1
    assert worker_count(4, _Frame(), big, 5) == 4  # a setting is a setting


@pytest.mark.parametrize(
    ("value", "message"),
    [("0", "workers: must be a whole number"), ('"4"', "workers: must be a whole number")],
)
def test_the_workers_setting_is_checked(project_dir: Path, value: str, message: str) -> None:
    (project_dir / "pyproject.toml").write_text(f"[tool.closeout]\nworkers = {value}\n")
    with pytest.raises(UsageError, match=rf"pyproject.toml:2: \[tool.closeout\] {message}"):
        load_project()

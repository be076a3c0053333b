"""A folder or glob of Parquet files, and a DuckDB file, are fingerprinted in the evidence
(SPEC §12), so a changed partition makes a closed action ``stale``, saying which source.

The oracle of a dataset's digest is coreutils: ``sha256sum`` over its files (paths relative
to the project root, in byte order), piped into ``sha256sum`` again.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from tests.unit.kinds.drift_replay.datasets import FOLDER, incident_frame, scenario, write_sources

from closeout.cli import main

pytestmark = [
    pytest.mark.slow,  # each test runs `closeout run` (pytest and evidently underneath)
    pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs coreutils"),
]


@pytest.fixture
def paths(project_dir: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("CLOSEOUT_ROOT", str(project_dir))
    return write_sources(project_dir, incident_frame())


def closeout(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out + err


def status(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code, out = closeout(capsys, "status", "--json")
    assert code == 0, out
    (found,) = json.loads(out)
    return dict(found)


def close_on(
    project: Path, capsys: pytest.CaptureFixture[str], current: str
) -> tuple[dict[str, Any], str]:
    """Run a scenario replaying ``current``, close A1 on it; the run record and its file."""
    text = scenario(current).replace(
        "{fires_within: 2h}", "{fires_within: 2h, no_alert_before_onset: false}"
    )
    text += "before_unavailable: the old monitor was never kept\n"
    (project / "scenarios" / "INC-1" / "replay.yaml").write_text(text)
    code, out = closeout(capsys, "run")
    assert code == 0, out
    code, out = closeout(capsys, "close", "INC-1", "A1", "--by", "sam")
    assert code == 0, out
    assert status(capsys)["state"] == "closed"
    (path,) = (project / "reports" / "INC-1" / "evidence").glob("*-replay-*.json")
    return json.loads(path.read_text()), path.name


def coreutils_digest(project: Path, files: list[str]) -> str:
    listing = subprocess.run(
        ["sha256sum", "--", *sorted(files, key=str.encode)],
        cwd=project,
        capture_output=True,
        check=True,
    ).stdout
    done = subprocess.run(["sha256sum"], input=listing, capture_output=True, check=True)
    return done.stdout.decode().split()[0]


def parquet_files(project: Path) -> list[str]:
    parts = project / FOLDER / "parts"
    return [p.relative_to(project).as_posix() for p in parts.rglob("*.parquet")]


@pytest.mark.parametrize("name", ["folder", "glob"])
def test_a_changed_partition_makes_the_closed_action_stale(
    project_dir: Path, paths: dict[str, str], capsys: pytest.CaptureFixture[str], name: str
) -> None:
    record, file = close_on(project_dir, capsys, paths[name])
    recorded = record["inputs"]["files"][paths[name]]
    assert recorded == coreutils_digest(project_dir, parquet_files(project_dir))

    partition = project_dir / FOLDER / "parts" / "part=1" / "data-0.parquet"
    frame = pd.read_parquet(partition)
    frame.loc[0, "x"] = 99.0
    frame.to_parquet(partition, row_group_size=40, index=False)
    found = status(capsys)
    assert found["state"] == "stale"
    assert found["reasons"] == [f"replay: stale: {paths[name]} changed since {file}"]
    assert found["next"] == "closeout run INC-1/A1"
    out = closeout(capsys, "status")[1]
    assert f"stale: {paths[name]} changed since" in out and "next: closeout run INC-1/A1" in out

    # Re-running records today's partitions: closed again.
    assert closeout(capsys, "run")[0] == 0
    assert status(capsys)["state"] == "closed"


def test_an_added_partition_makes_it_stale_and_bookkeeping_files_do_not(
    project_dir: Path, paths: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    close_on(project_dir, capsys, paths["folder"])
    (project_dir / FOLDER / "parts" / "_SUCCESS").write_text("written again")
    (project_dir / FOLDER / "parts" / ".part-0.crc").write_text("checksum")
    assert status(capsys)["state"] == "closed"
    source = project_dir / FOLDER / "parts" / "part=0" / "data-0.parquet"
    added = project_dir / FOLDER / "parts" / "part=9"
    added.mkdir()
    shutil.copy(source, added / "data-0.parquet")
    assert status(capsys)["state"] == "stale"


def test_a_changed_duckdb_file_makes_it_stale(
    project_dir: Path, paths: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    record, file = close_on(project_dir, capsys, paths["duckdb"])
    database = f"{FOLDER}/events.duckdb"
    recorded = record["inputs"]["files"][database]
    listing = subprocess.run(
        ["sha256sum", database], cwd=project_dir, capture_output=True, check=True, text=True
    )
    assert recorded == listing.stdout.split()[0]
    connection = duckdb.connect(str(project_dir / database))
    connection.execute("delete from events where x > 2")
    connection.execute("checkpoint")
    connection.close()
    found = status(capsys)
    assert found["state"] == "stale"
    assert found["reasons"] == [f"replay: stale: {database} changed since {file}"]

"""A replay that fails releases its sources at once: a DuckDB file must not stay open (and
locked against a connection with another configuration) for as long as something still
holds the failure, its traceback and so its frames (a caller, a debugger, an interpreter
that frees frames later: the test suite failed this way on Python 3.13)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from tests.unit.kinds.drift_replay.datasets import FOLDER, incident_frame, scenario, write_sources

from closeout.errors import DataError
from closeout.kind import RunContext
from closeout.kinds.drift_replay.replay import replay_scenario
from closeout.loader import load_postmortem, load_scenario
from closeout.project import load_project


@pytest.mark.parametrize(
    "query",
    [
        "select * from events where false",  # no rows: fails once the sources are open
        "select * from no_such_table",  # fails while the source itself is made
    ],
)
def test_a_failed_replay_leaves_the_database_free(project_dir: Path, query: str) -> None:
    write_sources(project_dir, incident_frame())
    path = project_dir / "scenarios" / "INC-1" / "replay.yaml"
    path.write_text(scenario(f'{{duckdb: {FOLDER}/events.duckdb, query: "{query}"}}'))
    project = load_project()
    loaded = load_scenario(project, path)
    postmortem, _ = load_postmortem(project, path.parent / "postmortem.yaml")
    context = RunContext(
        project, postmortem, "INC-1", "replay", loaded.display, 1, "fixed", None, "x"
    )
    with pytest.raises(DataError) as failure:
        replay_scenario(loaded.model, loaded.model.monitor, context)
    assert failure.value.__traceback__ is not None  # held: its frames are still alive
    connection = duckdb.connect(str(project_dir / FOLDER / "events.duckdb"))  # read-write
    connection.execute("update events set x = null")
    connection.close()

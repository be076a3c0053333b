"""``registered.changes``: what a run resolved, asked of the registry again without MLflow.

The real registry is exercised in tests/functional/test_staleness_mlflow.py (MLflow's own
client is the oracle there); these cases pin the rules on a SQLite file holding the two
tables closeout reads, laid out as MLflow lays them out.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from closeout.kinds.shadow.registered import changes

ENTRY = {
    "kind": "mlflow",
    "uri": "models:/churn/1",
    "resolved": "models:/churn/1",
    "version": "1",
    "run_id": "run-one",
    "source": "models:/m-one",
    "sha256": "0" * 64,
}


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    database = tmp_path / "mlflow.db"
    # `with connect()` commits but never closes: closing() does (Python 3.13 warns otherwise)
    with closing(sqlite3.connect(database)) as connection, connection:
        connection.execute(
            "create table model_versions (name text, version integer, run_id text, "
            "source text, current_stage text)"
        )
        connection.execute(
            "create table registered_model_aliases (alias text, version integer, name text)"
        )
        connection.execute(
            "insert into model_versions values ('churn', 1, 'run-one', 'models:/m-one', 'None')"
        )
        connection.execute("insert into registered_model_aliases values ('prod', 1, 'churn')")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{database}")
    monkeypatch.delenv("MLFLOW_REGISTRY_URI", raising=False)
    return database


def entry(store: Path, **changed: Any) -> dict[str, Any]:
    return {"models:/churn/1": ENTRY | {"registry": f"sqlite:///{store}"} | changed}


def execute(store: Path, sql: str) -> None:
    with closing(sqlite3.connect(store)) as connection, connection:
        connection.execute(sql)


def test_an_unchanged_version_and_alias_say_nothing(store: Path) -> None:
    assert changes(entry(store)) == []
    assert changes(entry(store, uri="models:/churn@prod")) == []


def test_a_version_registered_anew_names_both_runs(store: Path) -> None:
    execute(store, "update model_versions set run_id = 'run-two', source = 'models:/m-two'")
    assert changes(entry(store)) == [
        "the model models:/churn/1 changed: version 1 was registered again, now run run-two "
        "from models:/m-two (the run loaded run run-one from models:/m-one)"
    ]


def test_a_new_logged_model_in_the_same_run_is_a_change_too(store: Path) -> None:
    execute(store, "update model_versions set source = 'models:/m-two'")
    assert len(changes(entry(store))) == 1


def test_a_moved_alias_and_a_deleted_version(store: Path) -> None:
    execute(store, "insert into model_versions values ('churn', 2, 'run-2', 'models:/m-2', 'None')")
    execute(store, "update registered_model_aliases set version = 2")
    assert changes(entry(store, uri="models:/churn@prod")) == [
        "the model models:/churn@prod changed: it now resolves to version 2, run run-2 "
        "(the run loaded version 1, run run-one)"
    ]
    execute(store, "update model_versions set current_stage = 'Deleted_Internal' where version = 1")
    assert changes(entry(store)) == [
        "the model models:/churn/1 changed: version 1 is no longer in the registry "
        "(the run loaded version 1, run run-one)"
    ]


def test_another_registry_a_server_or_a_local_folder_is_not_checked(
    store: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    execute(store, "delete from model_versions")
    assert changes(entry(store, registry="sqlite:////elsewhere/mlflow.db")) == []
    assert changes(entry(store, uri="models/churn_v2")) == []
    assert changes({"x": {"kind": "other"}, "y": "not an entry"}) == []
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
    assert changes(entry(store, registry="http://127.0.0.1:5000")) == []
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    assert changes(entry(store)) == []


def test_a_file_that_is_not_a_registry_is_not_a_verdict(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.write_bytes(b"not a database at all" * 100)
    assert changes(entry(store)) == []

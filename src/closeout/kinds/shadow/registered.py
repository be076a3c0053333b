"""Is a registered model version still what a run resolved? Asked without importing MLflow.

A run records what each ``models:/`` URI resolved to (``inputs.resolved``: version, run id,
the version's ``source`` and the registry asked). ``closeout status`` asks the same registry
again, so that a version registered anew (the registered model deleted and registered again,
an alias moved to another version) makes the evidence ``stale``, the way a changed data file
does. ``status`` must stay light (``import mlflow`` loads pandas and SciPy, seconds), so the
registry is read here with the standard library: a SQLite registry
(``sqlite:///path/to/mlflow.db``, what a local registry is) is opened read-only and its
``model_versions`` and ``registered_model_aliases`` tables are read. A registry of another
kind (a tracking server), a registry other than the one the run asked, or one that cannot be
read is not checked: the evidence keeps the folder's sha256 for whoever checks by hand.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from closeout import _mlflow
from closeout.kinds.shadow.model_uri import ModelUri, parse_model_uri

_SQLITE = "sqlite:///"
_DELETED = "Deleted_Internal"  # MLflow's mark of a deleted version it keeps a row of
_BY_VERSION = (
    "SELECT version, run_id, source, current_stage FROM model_versions "
    "WHERE name = ? AND version = ?"
)
_BY_ALIAS = (
    "SELECT v.version, v.run_id, v.source, v.current_stage FROM registered_model_aliases a "
    "JOIN model_versions v ON v.name = a.name AND v.version = a.version "
    "WHERE a.name = ? AND a.alias = ?"
)


@dataclass(frozen=True)
class Version:
    """A registered model version as the registry holds it now."""

    version: str
    run_id: str | None
    source: str | None


def changes(resolved: Mapping[str, Any]) -> list[str]:
    """One sentence per ``models:/`` entry of ``inputs.resolved`` that the registry no longer
    resolves the same way (see the module docstring); entries it cannot check say nothing."""
    found = []
    for written, entry in resolved.items():
        if not isinstance(entry, Mapping) or entry.get("kind") != "mlflow":
            continue
        try:
            uri = parse_model_uri(str(entry.get("uri") or written))
        except ValueError:
            continue
        database = _database(entry.get("registry"))
        if uri.scheme != "models" or database is None:
            continue
        try:
            now = version_now(database, uri)
        except sqlite3.Error:
            continue  # a locked, corrupt or foreign file: not a verdict on the model
        change = _compare(uri, entry, now)
        if change:
            found.append(change)
    return found


def _database(recorded: object) -> Path | None:
    """The SQLite file of the registry the run asked, when it is the one asked today."""
    store = _mlflow.registry_uri()
    if store is None or _mlflow.shown(store) != recorded or not store.startswith(_SQLITE):
        return None
    path = store.removeprefix(_SQLITE).split("?", 1)[0]
    if not path or path == ":memory:" or not Path(path).is_file():
        return None
    return Path(path)


def version_now(database: Path, uri: ModelUri) -> Version | None:
    """The version ``uri`` names in the registry today (None: there is none); read-only."""
    connection = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True, timeout=2)
    try:
        if uri.alias is not None:
            rows = connection.execute(_BY_ALIAS, (uri.name, uri.alias)).fetchall()
        else:
            rows = connection.execute(_BY_VERSION, (uri.name, int(uri.version or 0))).fetchall()
    finally:
        connection.close()
    live = [row for row in rows if row[3] != _DELETED]
    if not live:
        return None
    version, run_id, source, _ = live[0]
    return Version(str(version), run_id or None, source or None)


def _compare(uri: ModelUri, entry: Mapping[str, Any], now: Version | None) -> str | None:
    """What changed between the recorded resolution and ``now``, as a sentence; or None."""
    was = f"version {entry.get('version')}, {_run(entry.get('run_id'))}"
    if now is None:
        gone = f"the alias '{uri.alias}'" if uri.alias else f"version {uri.version}"
        return (
            f"the model {uri.text} changed: {gone} is no longer in the registry "
            f"(the run loaded {was})"
        )
    if str(entry.get("version")) != now.version:
        return (
            f"the model {uri.text} changed: it now resolves to version {now.version}, "
            f"{_run(now.run_id)} (the run loaded {was})"
        )
    recorded_source = entry.get("source")
    if now.run_id != entry.get("run_id") or (recorded_source and now.source != recorded_source):
        return (
            f"the model {uri.text} changed: version {now.version} was registered again, now "
            f"{_run(now.run_id)} from {now.source} (the run loaded {_run(entry.get('run_id'))} "
            f"from {recorded_source})"
        )
    return None


def _run(run_id: object) -> str:
    return f"run {str(run_id)[:12]}" if run_id else "no run"

"""The search index on disk: ``reports/.search-index.json``, kept in step with the postmortems.

``closeout report`` writes it; ``closeout search`` reads it and, when a postmortem was added,
removed or changed since (size or mtime differs), re-reads only those files, leniently (plain
YAML, no validation: search should find a draft that does not lint yet), rebuilds the
postings and rewrites the cache. No pydantic, no loader: a search stays well under 0.3 s.
"""

from __future__ import annotations

import contextlib
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from closeout._time import iso_z, parse_aware
from closeout.project import Project
from closeout.reports.search import FIELDS, SearchDoc, build_postings, make_doc
from closeout.reports.write import write_text

CACHE_FILE = ".search-index.json"
# 2: postings gained the investigation field (hypotheses, evidence titles, dissent).
CACHE_VERSION = 2
POSTMORTEM_FILE = "postmortem.yaml"

Key = list[int]


def cache_path(project: Project) -> Path:
    return project.reports_dir / CACHE_FILE


def postmortem_keys(project: Project) -> dict[str, Key]:
    """incident id -> [size, mtime_ns] of its postmortem file."""
    keys: dict[str, Key] = {}
    try:
        entries = list(os.scandir(project.scenarios_dir))
    except OSError:
        return keys
    for entry in entries:
        try:  # a symbolic link loop or an unreadable folder is no incident
            if not entry.is_dir():
                continue
            stat = os.stat(os.path.join(entry.path, POSTMORTEM_FILE))
        except OSError:
            continue
        keys[entry.name] = [stat.st_size, stat.st_mtime_ns]
    return dict(sorted(keys.items()))


def normalise_time(value: Any) -> str:
    """An ISO 8601 UTC string (``...Z``) for a timestamp read from YAML or a model dump."""
    if isinstance(value, datetime):
        return iso_z(value) if value.tzinfo else value.isoformat()
    try:
        return iso_z(parse_aware(str(value)))
    except ValueError:
        return str(value or "")


def _entry(doc: SearchDoc, key: Key) -> dict[str, Any]:
    return {"meta": doc.meta(), "key": key, "tokens": [" ".join(t) for t in doc.tokens]}


def _doc(entry: dict[str, Any]) -> SearchDoc:
    meta = entry["meta"]
    return SearchDoc(
        id=meta["id"],
        title=meta["title"],
        severity=meta["severity"],
        started_at=meta["started_at"],
        categories=tuple(meta["categories"]),
        tags=tuple(meta["tags"]),
        tokens=tuple(tuple(text.split()) for text in entry["tokens"]),
    )


def write_cache(
    project: Project,
    docs: list[SearchDoc],
    keys: dict[str, Key],
    unreadable: dict[str, Key] | None = None,
) -> dict[str, str]:
    """Store the documents (with the file keys they were read at); return their postings."""
    postings = build_postings(docs)
    data = {
        "version": CACHE_VERSION,
        "docs": [_entry(doc, keys.get(doc.id, [0, 0])) for doc in docs],
        "unreadable": unreadable or {},
        "postings": postings,
    }
    # A cache that cannot be written is simply rebuilt next time.
    with contextlib.suppress(OSError):
        write_text(cache_path(project), json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    return postings


def _read_cache(project: Project) -> dict[str, Any] | None:
    try:
        data = json.loads(cache_path(project).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
        return None
    return data


def read_postmortem_leniently(path: Path) -> dict[str, Any] | None:
    """The postmortem as a plain mapping, or None when it is not readable YAML."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return data if isinstance(data, dict) else None


def load_index(project: Project) -> tuple[list[dict[str, Any]], dict[str, str], list[str]]:
    """Document metadata, postings, and the postmortems that could not be read."""
    keys = postmortem_keys(project)
    cached = _read_cache(project) or {}
    entries = {e["meta"]["id"]: e for e in cached.get("docs", [])}
    known_bad: dict[str, Key] = cached.get("unreadable", {})
    if cached and {**{i: e["key"] for i, e in entries.items()}, **known_bad} == keys:
        bad = [_shown(project, incident) for incident in known_bad]
        return [e["meta"] for e in cached["docs"]], cached.get("postings", {}), bad
    docs: list[SearchDoc] = []
    unreadable: dict[str, Key] = {}
    for incident, key in keys.items():
        entry = entries.get(incident)
        if entry is not None and entry.get("key") == key and len(entry["tokens"]) == len(FIELDS):
            docs.append(_doc(entry))
            continue
        data = read_postmortem_leniently(project.scenarios_dir / incident / POSTMORTEM_FILE)
        if data is None:
            unreadable[incident] = key
            continue
        data.setdefault("id", incident)
        docs.append(make_doc(data, normalise_time(data.get("started_at"))))
    docs.sort(key=lambda d: (d.started_at, d.id), reverse=True)
    postings = write_cache(project, docs, keys, unreadable)
    return [d.meta() for d in docs], postings, [_shown(project, i) for i in unreadable]


def _shown(project: Project, incident: str) -> str:
    return project.display(project.scenarios_dir / incident / POSTMORTEM_FILE)

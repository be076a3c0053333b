"""The search index on disk: ``reports/.search-index.json``, kept in step with the postmortems.

``closeout report`` writes it; ``closeout search`` reads it and, when a postmortem was added,
removed or changed since (size or mtime differs), re-reads only those files, leniently (plain
YAML, no validation: search should find a draft that does not lint yet), rebuilds the
postings and rewrites the cache. No pydantic, no loader, and no stemmer unless the query has
a word: the file is JSON lines (a head with the metadata, postings and word forms, then one
line per document), so a search parses the head and only the lines of the results it shows.
A cache that is missing, of another version or broken is rebuilt, never an error.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from closeout._time import iso_z, parse_aware
from closeout.project import Project
from closeout.reports.search import SearchDoc, build_forms, build_postings, make_doc
from closeout.reports.write import write_text

CACHE_FILE = ".search-index.json"
# 2: postings gained the investigation field (hypotheses, evidence titles, dissent).
# 3: Snowball stems, integer idf and levels in the postings, passages and word forms.
CACHE_VERSION = 3
POSTMORTEM_FILE = "postmortem.yaml"

Key = list[int]


@dataclass(frozen=True)
class SearchIndex:
    """What ``closeout search`` needs: document metadata, postings and word forms (see
    ``search``), the unreadable postmortems, and each document's passages (for snippets),
    parsed only for the documents asked for."""

    docs: list[dict[str, Any]]
    postings: dict[str, str]
    forms: dict[str, str]
    unreadable: list[str]
    lines: tuple[str, ...] = field(repr=False)  # one JSON line per document (see write_cache)

    def passages(self, index: int) -> tuple[list[str], dict[str, str]]:
        """The snippet passages and the word forms of the document at ``index`` (none from
        a broken line)."""
        try:
            entry = json.loads(self.lines[index])
            passages, forms = entry["passages"], entry["forms"]
        except (ValueError, KeyError, TypeError, IndexError):
            return [], {}
        if not isinstance(passages, list) or not isinstance(forms, dict):
            return [], {}
        return [p for p in passages if isinstance(p, str)], forms


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


def _line(doc: SearchDoc) -> str:
    entry = {
        "tokens": [" ".join(t) for t in doc.tokens],
        "passages": list(doc.passages),
        "forms": dict(doc.forms),
    }
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


def _doc(meta: dict[str, Any], line: str) -> SearchDoc:
    entry = json.loads(line)
    return SearchDoc(
        id=meta["id"],
        title=meta["title"],
        severity=meta["severity"],
        started_at=meta["started_at"],
        categories=tuple(meta["categories"]),
        tags=tuple(meta["tags"]),
        tokens=tuple(tuple(text.split()) for text in entry["tokens"]),
        passages=tuple(entry["passages"]),
        forms=tuple(entry["forms"].items()),
    )


def write_cache(
    project: Project,
    docs: list[SearchDoc],
    keys: dict[str, Key],
    unreadable: dict[str, Key] | None = None,
) -> SearchIndex:
    """Store the documents (with the file keys they were read at) and return them as an
    index. The file is JSON lines: a head (version, metadata, keys, postings, forms), then
    one line per document (tokens, passages, forms), so that a search parses the head and
    the lines of the results it shows, never the whole archive's text."""
    postings = build_postings(docs)
    forms = build_forms(docs)
    metas = [doc.meta() for doc in docs]
    head = {
        "version": CACHE_VERSION,
        "docs": metas,
        "keys": [keys.get(doc.id, [0, 0]) for doc in docs],
        "unreadable": unreadable or {},
        "postings": postings,
        "forms": forms,
    }
    lines = tuple(_line(doc) for doc in docs)
    text = "\n".join([json.dumps(head, ensure_ascii=False, separators=(",", ":")), *lines])
    # A cache that cannot be written is simply rebuilt next time.
    with contextlib.suppress(OSError):
        write_text(cache_path(project), text + "\n")
    shown = [_shown(project, incident) for incident in unreadable or {}]
    return SearchIndex(metas, postings, forms, shown, lines)


def _read_cache(project: Project) -> tuple[dict[str, Any], list[str]] | None:
    """The cache's head and its document lines, or None when it is missing or unusable."""
    try:
        head, *lines = cache_path(project).read_text(encoding="utf-8").split("\n")
        data = json.loads(head)
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
        return None
    return data, lines


def read_postmortem_leniently(path: Path) -> dict[str, Any] | None:
    """The postmortem as a plain mapping, or None when it is not readable YAML."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return data if isinstance(data, dict) else None


def load_index(project: Project) -> SearchIndex:
    """The index, from the cache when no postmortem changed, else rebuilt and re-cached
    (re-reading only the postmortems that changed)."""
    keys = postmortem_keys(project)
    cached = _read_cache(project)
    try:
        return _load(project, keys, cached)
    except (KeyError, TypeError, AttributeError, ValueError, IndexError):  # edited by hand
        return _load(project, keys, None)


def _load(
    project: Project, keys: dict[str, Key], cached: tuple[dict[str, Any], list[str]] | None
) -> SearchIndex:
    head, lines = cached or ({}, [])
    metas: list[dict[str, Any]] = head.get("docs", [])
    pairs = zip(metas, head.get("keys", []), strict=True)
    known = {meta["id"]: (key, n) for n, (meta, key) in enumerate(pairs)}
    if len(lines) < len(metas):
        raise ValueError("a cache cut short")
    known_bad: dict[str, Key] = head.get("unreadable", {})
    if cached and {**{i: key for i, (key, _) in known.items()}, **known_bad} == keys:
        return SearchIndex(
            metas,
            head["postings"],
            head["forms"],
            [_shown(project, incident) for incident in known_bad],
            tuple(lines[: len(metas)]),
        )
    docs: list[SearchDoc] = []
    unreadable: dict[str, Key] = {}
    for incident, key in keys.items():
        if incident in known and known[incident][0] == key:
            docs.append(_doc(metas[known[incident][1]], lines[known[incident][1]]))
            continue
        data = read_postmortem_leniently(project.scenarios_dir / incident / POSTMORTEM_FILE)
        if data is None:
            unreadable[incident] = key
            continue
        data.setdefault("id", incident)
        docs.append(make_doc(data, normalise_time(data.get("started_at"))))
    docs.sort(key=lambda d: (d.started_at, d.id), reverse=True)
    return write_cache(project, docs, keys, unreadable)


def _shown(project: Project, incident: str) -> str:
    return project.display(project.scenarios_dir / incident / POSTMORTEM_FILE)

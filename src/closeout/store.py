"""Reading the evidence folder fast: one summary per record, cached beside the records.

The JSON records are the source of truth. ``reports/<INC>/evidence/.index.json`` caches a
small summary of each record keyed by file name, size and mtime; a record whose entry is
missing or stale is re-read, and a cache that cannot be read is rebuilt. Records are written
once and never changed (``verify`` catches any change), so the cache stays valid.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from closeout.project import Project

INDEX_FILE = ".index.json"
INDEX_VERSION = 2


@dataclass(frozen=True)
class RecordSummary:
    """What state derivation needs of one record (the full record stays on disk)."""

    file: str
    type: str
    incident: str
    action: str
    started_at: str
    sha256: str
    signed: bool
    started_at_us: int = 0
    scenario: str | None = None
    kind: str | None = None
    verdict: str | None = None
    before_verdict: str | None = None
    discriminating: bool | None = None
    trigger: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    runs: list[str] = field(default_factory=list)  # closure: sha256 of the runs it rests on
    run: str | None = None  # recurrence: sha256 of the failing run
    by: str | None = None
    readable: bool = True

    @property
    def order(self) -> tuple[str, int, str]:
        """Sort key: time (to the microsecond when the record has it), then file name."""
        return (self.started_at, self.started_at_us, self.file)


def summarize(name: str, record: dict[str, Any]) -> RecordSummary:
    """The summary of a parsed record; a record of the wrong shape is marked unreadable."""
    if not isinstance(record.get("inputs") or {}, dict) or not isinstance(
        record.get("runs") or [], list
    ):
        return RecordSummary(name, "", "", "", "", "", False, readable=False)
    try:
        return _summary(name, record)
    except (TypeError, ValueError):
        return RecordSummary(name, "", "", "", "", "", False, readable=False)


def _summary(name: str, record: dict[str, Any]) -> RecordSummary:
    return RecordSummary(
        file=name,
        type=str(record.get("type", "")),
        incident=str(record.get("incident", "")),
        action=str(record.get("action", "")),
        started_at=str(record.get("started_at", "")),
        started_at_us=int(record.get("started_at_us") or 0),
        sha256=str(record.get("sha256", "")),
        signed=bool(record.get("signature")),
        scenario=record.get("scenario"),
        kind=record.get("kind"),
        verdict=record.get("verdict"),
        before_verdict=record.get("before_verdict"),
        discriminating=record.get("discriminating"),
        trigger=record.get("trigger"),
        inputs=record.get("inputs") or {},
        runs=list(record.get("runs") or []),
        run=record.get("run"),
        by=record.get("by"),
    )


def evidence_dir(project: Project, incident: str) -> Path:
    return project.reports_dir / incident / "evidence"


def record_files(folder: Path) -> list[os.DirEntry[str]]:
    """Record files, skipping the index and temporary files of writers in progress."""
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    return [e for e in entries if e.name.endswith(".json") and not e.name.startswith(".")]


def load_summaries(project: Project, incident: str) -> list[RecordSummary]:
    """Every record of an incident, summarized, oldest first; refreshes the cache."""
    folder = evidence_dir(project, incident)
    entries = record_files(folder)
    cached = _read_index(folder)
    summaries: list[RecordSummary] = []
    fresh: dict[str, Any] = {}
    changed = False
    for entry in entries:
        stat = entry.stat()
        key = [stat.st_size, stat.st_mtime_ns]
        hit = cached.get(entry.name)
        if hit is not None and hit.get("key") == key:
            summary = RecordSummary(**hit["summary"])
            fresh[entry.name] = hit
        else:
            summary = _read_summary(Path(entry.path), entry.name)
            fresh[entry.name] = {"key": key, "summary": asdict(summary)}
            changed = True
        summaries.append(summary)
    if changed or len(fresh) != len(cached):
        _write_index(folder, fresh)
    summaries.sort(key=lambda s: s.order)
    return summaries


def _read_summary(path: Path, name: str) -> RecordSummary:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(record, dict):
            raise ValueError("not an object")
        return summarize(name, record)
    except (OSError, ValueError):
        return RecordSummary(name, "", "", "", "", "", False, readable=False)


def _read_index(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / INDEX_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != INDEX_VERSION:
        return {}
    records = data.get("records")
    return records if isinstance(records, dict) else {}


def _write_index(folder: Path, records: dict[str, Any]) -> None:
    """Best effort: a cache that cannot be written is simply rebuilt next time."""
    if not folder.is_dir():
        return
    temp: str | None = None
    try:
        handle, temp = tempfile.mkstemp(dir=folder, prefix=".tmp-index-", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump({"version": INDEX_VERSION, "records": records}, stream, separators=(",", ":"))
        os.replace(temp, folder / INDEX_FILE)
    except OSError:
        if temp is not None:
            Path(temp).unlink(missing_ok=True)


def incidents_with_evidence(project: Project) -> list[str]:
    if not project.reports_dir.is_dir():
        return []
    return sorted(p.name for p in project.reports_dir.iterdir() if (p / "evidence").is_dir())

"""Reading what state is derived from: incidents, scenario files and the evidence folder.

The JSON records are the source of truth. ``reports/<INC>/evidence/.index.json`` caches a
small summary of each record keyed by file name, size and mtime; a record whose entry is
missing or stale is re-read, and a cache that cannot be read is rebuilt. Records are written
once and never changed (``verify`` catches any change), so the cache stays valid. A file
that is not a record closeout can use (not JSON, or a record that does not fit its model)
is summarised as unreadable and counts for nothing; ``verify`` names it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from closeout._io import write_text
from closeout.errors import CloseoutError, UsageError
from closeout.evidence import file_sha256
from closeout.loader import POSTMORTEM_FILE, is_scenario_file, load_postmortem, read_raw
from closeout.models import IDENTIFIER, Postmortem, suggest
from closeout.models.canonical import parse_json
from closeout.models.records import MalformedRecordError, parse_record
from closeout.models.records import RecordSummary as RecordSummary  # read from here
from closeout.project import Project

INDEX_FILE = ".index.json"
INDEX_VERSION = 3  # 3: records that do not fit their model are unreadable; inputs flat


# --------------------------------------------------------------------------- incidents


def postmortem_path(project: Project, incident: str) -> Path:
    return project.scenarios_dir / incident / POSTMORTEM_FILE


def incident_ids(project: Project) -> list[str]:
    """Every incident of the project: a folder holding a postmortem."""
    folder = project.scenarios_dir
    if not folder.is_dir():
        return []
    return sorted(p.parent.name for p in folder.glob(f"*/{POSTMORTEM_FILE}"))


def check_incident_id(project: Project, incident: str) -> None:
    """An incident argument must be an identifier of a known incident (no paths)."""
    if not IDENTIFIER.match(incident):
        raise UsageError(f"'{incident}' is not an incident id (letters, digits, '.', '_', '-')")
    if not postmortem_path(project, incident).is_file():
        raise UsageError(f"no incident '{incident}'{suggest(incident, incident_ids(project))}")


def load_incident(project: Project, incident: str) -> Postmortem:
    """The incident's postmortem; UsageError for an unknown incident, ScenarioError if bad."""
    path = postmortem_path(project, incident)
    if not IDENTIFIER.match(incident) or not path.is_file():
        known = incident_ids(project)
        raise UsageError(f"no incident '{incident}'{suggest(incident, known)}")
    postmortem, _ = load_postmortem(project, path)
    return postmortem


# --------------------------------------------------------------------------- scenario files


@dataclass(frozen=True)
class ScenarioInfo:
    """What state needs of a scenario file, read without validating the whole file."""

    name: str
    action: str
    path: str  # project-relative
    has_before: bool
    before_unavailable: bool
    tags: tuple[str, ...] = ()
    broken: bool = False  # not even readable YAML: it belongs to no action we can name


def scan_scenarios(project: Project, incident: str) -> list[ScenarioInfo]:
    """The scenario files of an incident, read as raw YAML (broken files are marked)."""
    folder = project.scenarios_dir / incident
    infos = []
    for path in sorted(folder.glob("*.y*ml")) if folder.is_dir() else []:
        if is_scenario_file(path):
            infos.append(_scenario_info(project, path))
    return infos


def _scenario_info(project: Project, path: Path) -> ScenarioInfo:
    try:
        raw, _ = read_raw(path, project.display(path))
    except CloseoutError:
        return ScenarioInfo(path.stem, "", project.display(path), False, False, broken=True)
    tags = raw.get("tags") if isinstance(raw.get("tags"), list) else []
    return ScenarioInfo(
        name=str(raw.get("name") or path.stem),
        action=str(raw.get("action", "")),
        path=project.display(path),
        has_before=raw.get("before") is not None,
        before_unavailable=bool(raw.get("before_unavailable")),
        tags=tuple(str(t) for t in tags),
    )


class InputHashes:
    """Today's sha256 of the files a run recorded, computed once per file."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._cache: dict[str, str | None] = {}

    def current(self, relative: str) -> str | None:
        if relative not in self._cache:
            try:
                self._cache[relative] = file_sha256(self.project.resolve_inside(relative))
            except (OSError, ValueError):
                self._cache[relative] = None
        return self._cache[relative]

    def changed(self, recorded: Mapping[str, str]) -> list[str]:
        """Paths whose content differs from the sha256 a run recorded (``Inputs.recorded``)."""
        return [path for path, digest in recorded.items() if self.current(path) != digest]


# --------------------------------------------------------------------------- records


def evidence_dir(project: Project, incident: str) -> Path:
    return project.reports_dir / incident / "evidence"


def record_files(folder: Path) -> list[os.DirEntry[str]]:
    """Record files, skipping the index and temporary files of writers in progress."""
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    return [e for e in entries if e.name.endswith(".json") and not e.name.startswith(".")]


def summarize(name: str, raw: object) -> RecordSummary:
    """The summary of a parsed record file; one that does not fit its model is unreadable."""
    try:
        return parse_record(raw).summary(name)
    except MalformedRecordError:
        return RecordSummary.unreadable(name)


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
        summary = _cached_summary(hit, key)
        if summary is None:
            summary = _read_summary(Path(entry.path), entry.name)
            hit = {"key": key, "summary": summary.model_dump(mode="json", exclude_unset=True)}
            changed = True
        fresh[entry.name] = hit
        summaries.append(summary)
    if changed or len(fresh) != len(cached):
        _write_index(folder, fresh)
    summaries.sort(key=lambda s: s.order)
    return summaries


def _cached_summary(hit: Any, key: list[int]) -> RecordSummary | None:
    if not isinstance(hit, dict) or hit.get("key") != key:
        return None
    try:
        return RecordSummary.model_validate(hit.get("summary"))
    except ValidationError:
        return None


def _read_summary(path: Path, name: str) -> RecordSummary:
    try:
        return summarize(name, parse_json(path.read_bytes()))
    except (OSError, ValueError):
        return RecordSummary.unreadable(name)


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
    text = json.dumps({"version": INDEX_VERSION, "records": records}, separators=(",", ":"))
    try:
        write_text(folder / INDEX_FILE, text, durable=False)
    except OSError:
        return


def incidents_with_evidence(project: Project) -> list[str]:
    if not project.reports_dir.is_dir():
        return []
    return sorted(p.name for p in project.reports_dir.iterdir() if (p / "evidence").is_dir())

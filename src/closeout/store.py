"""Reading what state is derived from: incidents, scenario files and the evidence folder.

The JSON records are the source of truth, and which of them count is decided in one place,
``closeout.trust`` (the same decision ``verify`` reports on): ``load_summaries`` gives the
records that count, oldest first. A scenario file that is not a regular file (a FIFO, a
device) is listed as broken and never opened, so it cannot hang ``status``.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from closeout._io import file_kind, file_sha256
from closeout._time import utc_now
from closeout.errors import CloseoutError, UsageError
from closeout.kinds import find_kind
from closeout.kinds._toolkit.data import dataset_files, is_glob
from closeout.loader import POSTMORTEM_FILE, is_scenario_file, load_postmortem, read_raw
from closeout.models import IDENTIFIER, Postmortem, suggest
from closeout.models.records import MalformedRecordError, parse_record
from closeout.models.records import RecordSummary as RecordSummary  # read from here
from closeout.project import Project
from closeout.signing import Keyring, keyring_from_env
from closeout.trust.index import INDEX_FILE as INDEX_FILE
from closeout.trust.ledger import IncidentEvidence
from closeout.trust.read import read_incident

# --------------------------------------------------------------------------- incidents


def postmortem_path(project: Project, incident: str) -> Path:
    return project.scenarios_dir / incident / POSTMORTEM_FILE


def listed_incidents(project: Project) -> list[str]:
    """Every folder of the scenarios folder that holds something named like a postmortem."""
    folder = project.scenarios_dir
    if not folder.is_dir():
        return []
    return sorted(p.parent.name for p in folder.glob(f"*/{POSTMORTEM_FILE}"))


def incident_ids(project: Project) -> list[str]:
    """Every incident of the project: a folder named by an incident id holding a postmortem
    file. A bad folder (see ``usable_incidents``) is left out, never fatal for the rest."""
    return usable_incidents(project)[0]


def usable_incidents(project: Project) -> tuple[list[str], list[str]]:
    """The incidents the reports can read, and why each other incident folder is left out:
    a folder name that is not an incident id, or a ``postmortem.yaml`` that is not a regular
    file (a directory, a FIFO, a dangling link), is named instead of read."""
    usable: list[str] = []
    problems: list[str] = []
    listed = listed_incidents(project)
    for incident in listed:
        path = project.scenarios_dir / incident / POSTMORTEM_FILE
        shown = project.display(path)
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:
            problems.append(f"{shown}: cannot read: {exc.strerror or exc}; left out")
            continue
        if file_kind(mode) != "regular file":
            problems.append(f"{shown}: a {file_kind(mode)}, not a postmortem file; left out")
        elif not IDENTIFIER.match(incident):
            problems.append(f"{shown}: '{incident}' is not an incident id; left out")
        else:
            usable.append(incident)
    return usable, problems + _unreadable_folders(project, set(listed))


def _unreadable_folders(project: Project, listed: set[str]) -> list[str]:
    """Folders of the scenarios folder that cannot be looked into (no permission, a symbolic
    link loop): an incident may hide there, so say so rather than skip it."""
    try:
        entries = sorted(os.scandir(project.scenarios_dir), key=lambda entry: entry.name)
    except OSError:
        return []
    problems = []
    for entry in entries:
        if entry.name in listed or entry.name.startswith("."):
            continue
        try:
            if entry.is_dir():
                os.listdir(entry.path)
        except OSError as exc:
            # Shown as the user wrote it: resolving a link loop would only fail again.
            shown = f"{project.scenarios}/{entry.name}"
            problems.append(f"{shown}: cannot read: {exc.strerror or exc}; left out")
    return problems


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
    broken = ScenarioInfo(path.stem, "", project.display(path), False, False, broken=True)
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return broken  # a FIFO would block the reader; the loader names it when run
    except OSError:
        return broken
    try:
        raw, _ = read_raw(path, project.display(path))
    except CloseoutError:
        return broken
    tags = raw.get("tags") if isinstance(raw.get("tags"), list) else []
    return ScenarioInfo(
        name=str(raw.get("name") or path.stem),
        action=str(raw.get("action", "")),
        path=project.display(path),
        has_before=raw.get("before") is not None,
        before_unavailable=bool(raw.get("before_unavailable")),
        tags=tuple(str(t) for t in tags),
    )


def data_sha256(project: Project, relative: str) -> str | None:
    """The sha256 of a data path: a file's own, or for a folder or glob of Parquet files
    (SPEC §12) the sha256 of its ``sha256sum`` manifest, paths relative to the project root
    (``cd ROOT && sha256sum FILES | sha256sum``), so an added, removed or changed partition
    changes it. None when nothing is there (or the path leaves the project)."""
    try:
        path = project.resolve_inside(relative)
        if path.is_file():  # a file is itself, even when its name holds a glob character
            return file_sha256(path)
        if not (path.is_dir() or is_glob(relative)):
            return None
        files = dataset_files(project, relative)
    except (OSError, ValueError):
        return None
    if not files:
        return None
    named = [(p.relative_to(project.root).as_posix(), p) for p in files]
    manifest = hashlib.sha256()
    for shown, path in sorted(named, key=lambda pair: pair[0].encode()):
        try:
            manifest.update(f"{file_sha256(path)}  {shown}\n".encode())
        except OSError:
            return None
    return manifest.hexdigest()


class InputHashes:
    """Today's sha256 of the files a run recorded, computed once per file; and whether what
    a run resolved outside the project still resolves the same, asked once per entry."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._cache: dict[str, str | None] = {}
        self._resolved: dict[tuple[str, str], list[str]] = {}

    def current(self, relative: str) -> str | None:
        if relative not in self._cache:
            self._cache[relative] = data_sha256(self.project, relative)
        return self._cache[relative]

    def changed(self, recorded: Mapping[str, str]) -> list[str]:
        """Paths whose content differs from the sha256 a run recorded (``Inputs.recorded``);
        a path recorded ``missing`` and still missing has not changed."""
        return [
            path for path, digest in recorded.items() if (self.current(path) or "missing") != digest
        ]

    def resolved_changes(self, kind: str | None, resolved: Mapping[str, Any]) -> list[str]:
        """What the run's kind says no longer resolves as the run recorded, one sentence per
        entry; nothing when the kind cannot tell (or cannot be loaded)."""
        if not resolved or not kind:
            return []
        found: list[str] = []
        for name, entry in resolved.items():
            key = (kind, json.dumps({name: entry}, sort_keys=True, default=str))
            if key not in self._resolved:
                self._resolved[key] = self._ask(kind, {name: entry})
            found += self._resolved[key]
        return found

    def _ask(self, kind: str, entry: Mapping[str, Any]) -> list[str]:
        checker = find_kind(kind)
        if checker is None:
            return []
        try:
            return list(checker.changed_inputs(entry, self.project))
        except Exception:  # a kind's check is advice on freshness: it never stops `status`
            return []


class UnhashedInputs(InputHashes):
    """Inputs taken as unchanged, read from nowhere: for callers that need the settled
    states (closed, waived, overdue) but never staleness, such as lint, which must not
    read data files (a Parquet dataset may be gigabytes) nor ask a model registry."""

    def changed(self, recorded: Mapping[str, str]) -> list[str]:
        return []

    def resolved_changes(self, kind: str | None, resolved: Mapping[str, Any]) -> list[str]:
        return []


# --------------------------------------------------------------------------- records


def evidence_dir(project: Project, incident: str) -> Path:
    return project.reports_dir / incident / "evidence"


def read_evidence(project: Project, incident: str, keys: Keyring | None = None) -> IncidentEvidence:
    """The incident's evidence, decided now under ``keys`` (default: from the environment)."""
    keys = keys if keys is not None else keyring_from_env(project)
    return read_incident(evidence_dir(project, incident), incident, keys, utc_now())


def load_summaries(project: Project, incident: str) -> list[RecordSummary]:
    """Every record of an incident that counts, summarized, oldest first."""
    return read_evidence(project, incident).accepted


def summarize(name: str, raw: object) -> RecordSummary:
    """The summary of a parsed record file; one that does not fit its model is unreadable."""
    try:
        return parse_record(raw).summary(name)
    except MalformedRecordError:
        return RecordSummary.unreadable(name)


def incidents_with_evidence(project: Project) -> list[str]:
    if not project.reports_dir.is_dir():
        return []
    return sorted(p.name for p in project.reports_dir.iterdir() if (p / "evidence").is_dir())

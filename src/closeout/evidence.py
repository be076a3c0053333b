"""Evidence records (SPEC §5, §15): build them through the record models; seal and write
them with ``closeout.sealing`` (re-exported here).

A record is immutable once written: ``closeout._io`` writes it to a temporary file in the
same folder, flushes it to disk, then renames it into place, so readers never see half a
record and concurrent writers never collide (the name carries 8 hex digits of a fresh
uuid4). Non-finite numbers are written as ``"NaN"``, ``"Infinity"`` and ``"-Infinity"`` in
every record (``closeout._numbers``). New records are schema 2 (RFC 8785, ``prev``);
records of schema 1 keep their Part I canonical form.
"""

from __future__ import annotations

import os
import platform
import subprocess
import uuid
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar, get_args

from closeout._io import file_sha256 as file_sha256
from closeout._numbers import encode_nonfinite
from closeout._time import iso_z, utc_now
from closeout.errors import UsageError
from closeout.kinds import kind_packages
from closeout.loader import LoadedScenario
from closeout.models.canonical import canonical_bytes as canonical_bytes
from closeout.models.canonical import parse_json as parse_json
from closeout.models.canonical import render as render
from closeout.models.canonical import signature_ok as signature_ok
from closeout.models.canonical import verify_sha256 as verify_sha256
from closeout.models.records import SCHEMA_VERSION, Record, RunRecord, TriggerName
from closeout.project import Project
from closeout.runner import ScenarioRun
from closeout.sealing import SIGNING_KEY_ENV as SIGNING_KEY_ENV
from closeout.sealing import EvidenceWriteError as EvidenceWriteError
from closeout.sealing import record_path as record_path
from closeout.sealing import seal as seal
from closeout.sealing import signing_key as signing_key
from closeout.sealing import write_record as write_record
from closeout.store import data_sha256

TRIGGER_ENV = "CLOSEOUT_TRIGGER"
TRIGGERS: tuple[str, ...] = get_args(TriggerName)
# Recorded in every run beside each kind's own packages (``Kind.packages``).
BASE_PACKAGES = ("closeout", "pydantic", "pyyaml", "pytest")

RecordT = TypeVar("RecordT", bound=Record)


def read_record(path: Path) -> dict[str, Any]:
    """The JSON object of a record file; OSError or ValueError when there is none."""
    record = parse_json(path.read_bytes())
    if not isinstance(record, dict):
        raise ValueError(f"{path.name}: not a JSON object")
    return record


# --------------------------------------------------------------------------- context


def trigger_from_env() -> str:
    """``$CLOSEOUT_TRIGGER`` if set, else ``ci`` when ``$CI`` is true, else ``manual``."""
    explicit = os.environ.get(TRIGGER_ENV, "").strip()
    if explicit:
        if explicit not in TRIGGERS:
            raise UsageError(f"{TRIGGER_ENV}={explicit!r}: must be one of {', '.join(TRIGGERS)}")
        return explicit
    return "ci" if os.environ.get("CI", "").lower() in ("true", "1", "yes") else "manual"


@lru_cache(maxsize=1)
def environment() -> dict[str, Any]:
    """Python, platform and the versions of the packages that shape a verdict."""
    packages: dict[str, str | None] = {}
    for name in dict.fromkeys(BASE_PACKAGES + kind_packages()):
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": packages,
    }


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


@lru_cache(maxsize=8)
def git_state(root: Path, reports: str) -> dict[str, Any]:
    """The commit and whether tracked files differ from it (evidence output excluded)."""
    commit = _git(root, "rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None}
    status = _git(
        root, "status", "--porcelain", "--untracked-files=no", "--", ".", f":(exclude){reports}"
    )
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def json_safe(value: Any) -> Any:
    """``value`` as strict JSON: non-finite floats become ``"NaN"``/``"Infinity"``/
    ``"-Infinity"``, keys strings and tuples lists (``closeout._numbers``)."""
    return encode_nonfinite(value)


# --------------------------------------------------------------------------- building


def timestamps(moment: datetime) -> dict[str, Any]:
    """``started_at`` (SPEC: seconds, UTC) and ``started_at_us``, which orders records written
    within the same second (file times do not survive a git checkout)."""
    return {"started_at": iso_z(moment), "started_at_us": int(moment.timestamp() * 1_000_000)}


def envelope(
    project: Project,
    record_type: str,
    incident: str,
    action: str,
    moment: datetime | None = None,
) -> dict[str, Any]:
    """The fields every record type shares, stamped ``moment`` (default: now)."""
    return {
        "schema": SCHEMA_VERSION,
        "type": record_type,
        "id": str(uuid.uuid4()),
        "incident": incident,
        "action": action,
        **timestamps(moment or utc_now()),
        "environment": environment(),
        "git": git_state(project.root, project.reports),
    }


def build(model: type[RecordT], fields: Mapping[str, Any]) -> RecordT:
    """A record of type ``model`` from its fields, non-finite numbers encoded first."""
    return model.model_validate(encode_nonfinite(dict(fields)))


def build_run(run: ScenarioRun, project: Project, trigger: str) -> RunRecord:
    """The run record of a scenario run (not yet sealed)."""
    loaded, fixed, before = run.loaded, run.fixed, run.before
    fields = envelope(project, "run", loaded.incident, loaded.model.action, run.started_at)
    fields |= {
        "scenario": loaded.name,
        "kind": loaded.kind.name,
        "trigger": trigger,
        "duration_s": round(run.duration_s, 4),
        "verdict": run.verdict,
        "before_verdict": run.before_verdict,
        "discriminating": run.discriminating,
        "vacuous": run.vacuous,
        "expectations": [o.model_dump() for o in fixed.outcomes],
        "before_expectations": [o.model_dump() for o in before.outcomes] if before else None,
        "metrics": fixed.metrics,
        "before_metrics": before.metrics if before else None,
        "inputs": inputs(loaded, project, resolved_inputs(run)),
        "seed": run.seed,
        "artifacts": fixed.artifacts + (before.artifacts if before else []),
        "error": _run_error(run),
        "traceback": fixed.traceback or (before.traceback if before else None),
    }
    return build(RunRecord, fields)


def _run_error(run: ScenarioRun) -> str | None:
    """The fixed state's error, then the pre-fix state's when that one could not run."""
    error = run.fixed.error
    if run.before is not None and run.before.verdict == "error" and run.before.error:
        error = f"{error}\n" if error else ""
        error += f"pre-fix run: {run.before.error}"
    return error


def run_record(run: ScenarioRun, project: Project, trigger: str) -> dict[str, Any]:
    """SPEC §5 run record for a scenario run (not yet sealed), as its JSON object."""
    return build_run(run, project, trigger).body()


def inputs(
    loaded: LoadedScenario, project: Project, resolved: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """sha256 of the scenario file, every data file (a Parquet folder or glob: the digest of
    its files, ``data_sha256``) and every subject source file; and ``resolved``, what the run
    resolved outside the project (``KindResult.inputs``), when it resolved anything."""
    files: dict[str, str] = {}
    for relative in loaded.kind.data_files(loaded.model):
        files[relative] = data_sha256(project, relative) or "missing"
    code = {
        project.display(p): file_sha256(p) for p in loaded.kind.code_files(loaded.model, project)
    }
    found: dict[str, Any] = {
        "scenario": {"path": loaded.display, "sha256": loaded.sha256},
        "files": files,
        "code": code,
    }
    if resolved:
        found["resolved"] = dict(resolved)
    return found


def resolved_inputs(run: ScenarioRun) -> dict[str, Any]:
    """What both sides of a run resolved at run time (``KindResult.inputs``, passed on by
    the runner as ``SideResult.inputs``); the fixed side's entry wins for a shared key."""
    found: dict[str, Any] = {}
    for side in (run.before, run.fixed):
        if side is not None:
            found |= side.inputs
    return found


def build_pytest_run(
    project: Project,
    incident: str,
    action: str,
    test_name: str,
    nodeid: str,
    test_file: Path,
    passed: bool,
    duration_s: float,
    trigger: str,
    longrepr: str | None,
    started_at: datetime | None = None,
) -> RunRecord:
    """A run record of kind ``pytest``: a Python test attached to an action by its marker."""
    verdict = "pass" if passed else "fail"
    digest = file_sha256(test_file) if test_file.is_file() else "missing"
    shown = project.display(test_file)
    fields = envelope(project, "run", incident, action, started_at)
    fields |= {
        "scenario": test_name,
        "kind": "pytest",
        "trigger": trigger,
        "duration_s": round(duration_s, 4),
        "verdict": verdict,
        "before_verdict": None,
        "discriminating": None,
        "vacuous": False,
        "expectations": [
            {
                "name": nodeid,
                "outcome": verdict,
                "observed": "passed" if passed else "failed",
                "target": "passed",
                "detail": "",
            }
        ],
        "before_expectations": None,
        "metrics": {},
        "before_metrics": None,
        "inputs": {
            "scenario": {"path": shown, "sha256": digest},
            "files": {},
            "code": {shown: digest},
        },
        "seed": None,
        "artifacts": [],
        "error": None,
        "traceback": longrepr,
    }
    return build(RunRecord, fields)


def pytest_record(
    project: Project,
    incident: str,
    action: str,
    test_name: str,
    nodeid: str,
    test_file: Path,
    passed: bool,
    duration_s: float,
    trigger: str,
    longrepr: str | None,
    started_at: datetime | None = None,
) -> dict[str, Any]:
    """``build_pytest_run`` as the record's JSON object (not yet sealed)."""
    return build_pytest_run(
        project,
        incident,
        action,
        test_name,
        nodeid,
        test_file,
        passed,
        duration_s,
        trigger,
        longrepr,
        started_at,
    ).body()


# --------------------------------------------------------------------------- writing


def write_run(run: ScenarioRun, project: Project, trigger: str, label: str) -> Path:
    """Write the record of ``run``; when it cannot be written, its artifacts go too.

    A chart of a run that has no record is an orphan nobody can check, so a failed write
    (disk full) removes the run's artifacts and raises EvidenceWriteError.
    """
    try:
        return write_record(project, build_run(run, project, trigger), label)
    except EvidenceWriteError:
        for artifact in run.fixed.artifacts + (run.before.artifacts if run.before else []):
            try:
                project.resolve_inside(artifact).unlink(missing_ok=True)
            except (OSError, ValueError):
                continue
        raise

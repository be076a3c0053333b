"""Evidence records (SPEC §5): build, seal (sha256 + optional HMAC), write atomically.

A record is immutable once written: it goes to a temporary file in the same folder, is
flushed to disk, then renamed into place, so readers never see half a record and concurrent
writers never collide (the name carries 8 hex digits of a fresh uuid4).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import platform
import subprocess
import tempfile
import uuid
from datetime import datetime
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from closeout._time import iso_z, utc_now
from closeout.errors import CloseoutError, UsageError
from closeout.loader import LoadedScenario
from closeout.project import Project
from closeout.runner import ScenarioRun

SCHEMA_VERSION = 1
SIGNING_KEY_ENV = "CLOSEOUT_SIGNING_KEY"
TRIGGER_ENV = "CLOSEOUT_TRIGGER"
TRIGGERS = ("manual", "ci", "gate", "scheduled")
_PACKAGES = (
    "closeout",
    "evidently",
    "pandas",
    "numpy",
    "scipy",
    "hypothesis",
    "pydantic",
    "pyyaml",
    "pytest",
)


class EvidenceWriteError(CloseoutError):
    """A record could not be written (disk full, permissions); nothing partial is left."""


def canonical_bytes(record: dict[str, Any]) -> bytes:
    """The canonical JSON of a record without its ``sha256`` and ``signature`` fields."""
    body = {k: v for k, v in record.items() if k not in ("sha256", "signature")}
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def seal(record: dict[str, Any], key: str | None = None) -> dict[str, Any]:
    """Add ``sha256`` and ``signature`` (HMAC-SHA256 under ``key`` or $CLOSEOUT_SIGNING_KEY)."""
    key = key if key is not None else os.environ.get(SIGNING_KEY_ENV) or None
    body = canonical_bytes(record)
    sealed = dict(record)
    sealed["sha256"] = hashlib.sha256(body).hexdigest()
    sealed["signature"] = hmac.new(key.encode(), body, hashlib.sha256).hexdigest() if key else None
    return sealed


def signature_ok(record: dict[str, Any], key: str) -> bool:
    """The record's signature is the HMAC-SHA256 of its canonical bytes under ``key``."""
    signature = record.get("signature")
    if not isinstance(signature, str):
        return False
    expected = hmac.new(key.encode(), canonical_bytes(record), hashlib.sha256).hexdigest()
    return hmac.compare_digest(signature, expected)


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
    for name in _PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": packages,
    }


@lru_cache(maxsize=8)
def git_state(root: Path, reports: str) -> dict[str, Any]:
    """The commit and whether tracked files differ from it (evidence output excluded)."""

    def git(*args: str) -> str | None:
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

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None}
    status = git("status", "--porcelain", "--untracked-files=no", "--", ".", f":(exclude){reports}")
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def json_safe(value: Any) -> Any:
    """Replace non-finite floats by strings so the record is strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def envelope(project: Project, record_type: str, incident: str, action: str) -> dict[str, Any]:
    """The fields every record type shares."""
    return {
        "schema": SCHEMA_VERSION,
        "type": record_type,
        "id": str(uuid.uuid4()),
        "incident": incident,
        "action": action,
        **timestamps(utc_now()),
        "environment": environment(),
        "git": git_state(project.root, project.reports),
    }


def timestamps(moment: datetime) -> dict[str, Any]:
    """``started_at`` (SPEC: seconds, UTC) and ``started_at_us``, which orders records written
    within the same second (file times do not survive a git checkout)."""
    return {"started_at": iso_z(moment), "started_at_us": int(moment.timestamp() * 1_000_000)}


def record_path(project: Project, record: dict[str, Any], label: str) -> Path:
    stamp = str(record["started_at"]).replace("-", "").replace(":", "")
    short_id = str(record["id"]).replace("-", "")[:8]
    folder = project.reports_dir / str(record["incident"]) / "evidence"
    return folder / f"{stamp}-{label}-{short_id}.json"


def write_record(project: Project, record: dict[str, Any], label: str) -> Path:
    """Seal and atomically write a record; return its path."""
    sealed = seal(json_safe(record))
    path = record_path(project, sealed, label)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EvidenceWriteError(f"cannot create {path.parent}: {exc.strerror}") from None
    try:
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    except OSError as exc:
        raise EvidenceWriteError(
            f"cannot write evidence in {path.parent}: {exc.strerror}"
        ) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(render(sealed))
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException as exc:
        Path(temp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise EvidenceWriteError(
                f"cannot write evidence {path.name}: {exc.strerror or exc}; nothing was written"
            ) from None
        raise
    return path


def render(record: dict[str, Any]) -> bytes:
    """The exact bytes of a record file; ``verify`` insists files are byte-identical to it."""
    text = json.dumps(record, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode()


def read_record(path: Path) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return record


def verify_sha256(record: dict[str, Any]) -> bool:
    return record.get("sha256") == hashlib.sha256(canonical_bytes(record)).hexdigest()


def run_record(run: ScenarioRun, project: Project, trigger: str) -> dict[str, Any]:
    """SPEC §5 run record for a scenario run (not yet sealed)."""
    loaded = run.loaded
    record = envelope(project, "run", loaded.incident, loaded.model.action)
    fixed = run.fixed
    error = fixed.error
    if run.before is not None and run.before.verdict == "error" and run.before.error:
        error = f"{error}\n" if error else ""
        error += f"pre-fix run: {run.before.error}"
    record.update(
        {
            "scenario": loaded.name,
            "kind": loaded.kind.name,
            "trigger": trigger,
            **timestamps(run.started_at),
            "duration_s": round(run.duration_s, 4),
            "verdict": run.verdict,
            "before_verdict": run.before_verdict,
            "discriminating": run.discriminating,
            "vacuous": run.vacuous,
            "expectations": [o.model_dump() for o in fixed.outcomes],
            "before_expectations": [o.model_dump() for o in run.before.outcomes]
            if run.before
            else None,
            "metrics": fixed.metrics,
            "before_metrics": run.before.metrics if run.before else None,
            "inputs": inputs(loaded, project),
            "seed": run.seed,
            "artifacts": fixed.artifacts + (run.before.artifacts if run.before else []),
            "error": error,
            "traceback": fixed.traceback or (run.before.traceback if run.before else None),
        }
    )
    return record


def inputs(loaded: LoadedScenario, project: Project) -> dict[str, Any]:
    """sha256 of the scenario file, every data file and every subject source file."""
    files: dict[str, str] = {}
    for relative in loaded.kind.data_files(loaded.model):
        try:
            files[relative] = file_sha256(project.resolve_inside(relative))
        except (OSError, ValueError):
            files[relative] = "missing"
    code = {
        project.display(p): file_sha256(p) for p in loaded.kind.code_files(loaded.model, project)
    }
    return {
        "scenario": {"path": loaded.display, "sha256": loaded.sha256},
        "files": files,
        "code": code,
    }


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
    """A record of kind ``pytest``: a Python test attached to an action by its marker."""
    record = envelope(project, "run", incident, action)
    if started_at is not None:
        record.update(timestamps(started_at))
    verdict = "pass" if passed else "fail"
    digest = file_sha256(test_file) if test_file.is_file() else "missing"
    record.update(
        {
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
                "scenario": {"path": project.display(test_file), "sha256": digest},
                "files": {},
                "code": {project.display(test_file): digest},
            },
            "seed": None,
            "artifacts": [],
            "error": None,
            "traceback": longrepr,
        }
    )
    return record

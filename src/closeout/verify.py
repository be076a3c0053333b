"""``closeout verify``: is every evidence record exactly what closeout wrote?

A record passes when its file is byte-identical to the canonical rendering of its content,
its sha256 matches its canonical JSON, its signature (when a key is set) is the HMAC of the
same bytes, and, for a closure, every run it rests on exists and passed. Any single changed
byte fails one of these.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from closeout.evidence import SIGNING_KEY_ENV, render, signature_ok, verify_sha256
from closeout.project import Project
from closeout.store import evidence_dir, incidents_with_evidence, record_files

_ENVELOPE = ("schema", "type", "id", "incident", "action", "started_at", "sha256", "signature")


@dataclass(frozen=True)
class Finding:
    path: str
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


@dataclass
class VerifyReport:
    checked: int
    findings: list[Finding]


def verify(project: Project, incidents: list[str] | None = None) -> VerifyReport:
    """Check every record of the given incidents (default: every incident with evidence)."""
    key = os.environ.get(SIGNING_KEY_ENV) or None
    findings: list[Finding] = []
    checked = 0
    for incident in incidents or incidents_with_evidence(project):
        records: dict[str, dict[str, Any]] = {}
        for entry in sorted(record_files(evidence_dir(project, incident)), key=lambda e: e.name):
            path = Path(entry.path)
            checked += 1
            record, problems = _check_file(path, key, project.require_signed)
            findings += [Finding(project.display(path), p) for p in problems]
            if record is not None:
                records[project.display(path)] = {**record, "_sound": not problems}
        findings += _check_references(records)
    return VerifyReport(checked, findings)


def _check_file(
    path: Path, key: str | None, require_signed: bool
) -> tuple[dict[str, Any] | None, list[str]]:
    raw = path.read_bytes()
    try:
        record = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, ["not valid JSON (truncated or modified)"]
    if not isinstance(record, dict):
        return None, ["not a record (not a JSON object)"]
    missing = [name for name in _ENVELOPE if name not in record]
    if missing:
        return record, [f"missing field(s) {', '.join(missing)}"]
    problems = []
    if not verify_sha256(record):
        problems.append("sha256 does not match the record's content (modified)")
    elif raw != _rendered(record):
        problems.append("the file differs from its canonical form (modified)")
    if key is not None and record.get("signature") is not None and not signature_ok(record, key):
        problems.append("bad signature")
    if require_signed and not record.get("signature"):
        problems.append("unsigned record (require_signed is set)")
    return record, problems


def _rendered(record: dict[str, Any]) -> bytes:
    try:
        return render(record)
    except ValueError:
        return b""


def _check_references(records: dict[str, dict[str, Any]]) -> list[Finding]:
    runs = {r.get("sha256"): r for r in records.values() if r.get("type") == "run"}
    findings = []
    for path, record in records.items():
        if record.get("type") == "closure":
            for digest in record.get("runs") or []:
                run = runs.get(digest)
                if run is None:
                    findings.append(Finding(path, f"closure rests on a missing run {digest[:12]}"))
                elif not run["_sound"]:
                    findings.append(Finding(path, f"closure rests on a modified run {digest[:12]}"))
                elif run.get("verdict") != "pass":
                    findings.append(
                        Finding(
                            path,
                            f"closure rests on a run that did not pass "
                            f"({run.get('scenario')}: {run.get('verdict')})",
                        )
                    )
        if record.get("type") == "recurrence" and record.get("run") not in runs:
            findings.append(Finding(path, "recurrence names a missing run"))
    return findings

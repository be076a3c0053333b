"""``closeout verify``: is every evidence record exactly what closeout wrote?

A record passes when its file is byte-identical to the canonical rendering of its content,
its sha256 matches its canonical JSON, its signature (when a key is set) is the HMAC of the
same bytes, its content fits the model of its type, and, for a closure, every run it rests
on exists and passed. Any single changed byte fails one of these; a record that does not fit
its model is named, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from closeout.lifecycle import Archive
from closeout.models.canonical import parse_json, render, signature_ok, verify_sha256
from closeout.models.records import (
    ClosureRecord,
    MalformedRecordError,
    Record,
    RecurrenceRecord,
    RunRecord,
    parse_record,
)
from closeout.project import Project
from closeout.store import incidents_with_evidence, record_files

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


@dataclass(frozen=True)
class Checked:
    """A record file that parsed: its model, and whether it is exactly what was written."""

    path: str
    record: Record
    sound: bool


def verify(project: Project, incidents: list[str] | None = None) -> VerifyReport:
    """Check every record of the given incidents (default: every incident with evidence)."""
    return verify_in(Archive(project), incidents)


def verify_in(archive: Archive, incidents: list[str] | None = None) -> VerifyReport:
    """``verify`` under the archive's signing policy (key and require_signed)."""
    project = archive.project
    findings: list[Finding] = []
    checked = 0
    for incident in incidents or incidents_with_evidence(project):
        records: list[Checked] = []
        for entry in sorted(record_files(archive.folder(incident)), key=lambda e: e.name):
            path = Path(entry.path)
            shown = project.display(path)
            checked += 1
            record, problems = _check_file(path, archive)
            findings += [Finding(shown, p) for p in problems]
            if record is not None:
                records.append(Checked(shown, record, not problems))
        findings += _check_references(records)
    return VerifyReport(checked, findings)


def _check_file(path: Path, archive: Archive) -> tuple[Record | None, list[str]]:
    raw = path.read_bytes()
    try:
        content = parse_json(raw)
    except ValueError:
        return None, ["not valid JSON (truncated or modified)"]
    if not isinstance(content, dict):
        return None, ["not a record (not a JSON object)"]
    missing = [name for name in _ENVELOPE if name not in content]
    if missing:
        problems = [f"missing field(s) {', '.join(missing)}"]
    else:
        problems = _seal_problems(raw, content, archive)
    try:
        record = parse_record(content)
    except MalformedRecordError as exc:
        return None, [*problems, str(exc)]
    return record, problems


def _seal_problems(raw: bytes, content: dict[str, Any], archive: Archive) -> list[str]:
    problems = []
    if not verify_sha256(content):
        problems.append("sha256 does not match the record's content (modified)")
    elif raw != render(content):
        problems.append("the file differs from its canonical form (modified)")
    key = archive.key
    if key is not None and content.get("signature") is not None and not signature_ok(content, key):
        problems.append("bad signature")
    if archive.require_signed and not content.get("signature"):
        problems.append("unsigned record (require_signed is set)")
    return problems


def _check_references(records: list[Checked]) -> list[Finding]:
    runs = {c.record.sha256: c for c in records if isinstance(c.record, RunRecord)}
    findings = []
    for checked in records:
        record = checked.record
        if isinstance(record, ClosureRecord):
            findings += [Finding(checked.path, p) for p in _closure_problems(record, runs)]
        if isinstance(record, RecurrenceRecord) and record.run not in runs:
            findings.append(Finding(checked.path, "recurrence names a missing run"))
    return findings


def _closure_problems(closure: ClosureRecord, runs: dict[str | None, Checked]) -> list[str]:
    problems = []
    for digest in closure.runs:
        found = runs.get(digest)
        if found is None:
            problems.append(f"closure rests on a missing run {digest[:12]}")
            continue
        run = found.record
        if not found.sound:
            problems.append(f"closure rests on a modified run {digest[:12]}")
        elif isinstance(run, RunRecord) and run.verdict != "pass":
            problems.append(
                f"closure rests on a run that did not pass ({run.scenario}: {run.verdict})"
            )
    return problems

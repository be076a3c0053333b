"""``closeout verify``: is every evidence record exactly what closeout wrote, and does it count?

Every file of every evidence folder is judged from its bytes by the one trust decision
(``closeout.trust``) that ``status``, ``close``, ``gate``, ``recur`` and the reports use, and
every reason a record counts for nothing is a finding naming the file: a changed byte (the
sha256 or the canonical rendering no longer match), a bad or missing signature where one is
required, content that does not fit the record's model, a record stored in another
incident's folder or under a name its time and id do not give, a copy of another record, a
record dated in the future, a closure resting on no run or on a run that is missing,
altered, failing or of another action; and every record named by a ``prev``, a checkpoint,
a reseal, a closure or a recurrence that is missing or altered. Where signing is required
and no key can check a signature, that is a finding too: ``verify`` is never silent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from closeout.lifecycle import Archive
from closeout.project import Project
from closeout.store import incidents_with_evidence


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
    counted: int = 0  # records that count
    rejected: list[str] = field(default_factory=list)  # files that count for nothing


def verify(project: Project, incidents: list[str] | None = None) -> VerifyReport:
    """Check every record of the given incidents (default: every incident with evidence)."""
    return verify_in(Archive(project), incidents)


def verify_in(archive: Archive, incidents: list[str] | None = None) -> VerifyReport:
    """``verify`` under the archive's keys, the project's policy and the archive's clock."""
    project = archive.project
    findings: list[Finding] = []
    missing = archive.keyring.missing_key()
    if missing:
        findings.append(Finding(project.setting_where("require_signed"), missing))
    checked = counted = 0
    rejected: list[str] = []
    for incident in incidents or incidents_with_evidence(project):
        evidence = archive.evidence(incident, fresh=True)
        folder = archive.folder(incident)
        checked += len(evidence.files)
        counted += len(evidence.accepted)
        shown = project.display(folder)  # the folder, resolved once; never a planted link
        findings += [
            Finding(f"{shown}/{f.file}" if f.file else shown, f.problem) for f in evidence.findings
        ]
        rejected += [f"{shown}/{name}" for name in evidence.rejected]
    return VerifyReport(checked, findings, counted, rejected)

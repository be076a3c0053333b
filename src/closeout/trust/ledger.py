"""The decision over one incident's evidence files: what counts, what is wrong, the heads.

Given every file judged on its own (``FileFacts``), the keyring and the time of reading:

1. a file with a problem of its own counts for nothing;
2. the same record under a second name counts once (the first name wins);
3. a record dated after the time of reading, beyond ``SKEW``, counts for nothing;
4. where signing is required, a record counts only with a trusted signature, or when a
   trusted ``reseal`` record attests it;
5. a closure counts only when every run it rests on counts, passed and is of its action;
   a recurrence only when its run counts;
6. every record named by a ``prev``, a checkpoint, a reseal, a closure or a recurrence that
   is missing or altered is a finding of the record naming it.

The heads (records no other record names in ``prev``) are what the next writer names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from closeout._time import format_duration_ms, iso_z, parse_aware
from closeout.models.records import RecordSummary
from closeout.signing import Keyring
from closeout.trust.judge import FileFacts

SKEW = timedelta(minutes=5)  # how far ahead of the reader's clock a writer's clock may be
BAD_VERDICTS = ("fail", "error", "inconclusive")


@dataclass(frozen=True)
class Finding:
    """A problem with the file ``file`` of the incident's evidence folder."""

    file: str
    problem: str


@dataclass
class IncidentEvidence:
    """An incident's evidence, decided: what counts, and every finding."""

    incident: str
    files: list[FileFacts]
    accepted: list[RecordSummary]  # oldest first
    findings: list[Finding]
    heads: list[str]

    @property
    def rejected(self) -> list[str]:
        """The files that count for nothing (each has a finding)."""
        counted = {summary.file for summary in self.accepted}
        return sorted({f.file for f in self.findings if f.file and f.file not in counted})


def decide(
    incident: str, files: list[FileFacts], keyring: Keyring, now: datetime
) -> IncidentEvidence:
    """The decision over the files of one incident's evidence folder (see the docstring)."""
    findings = [Finding(f.name, problem) for f in files for problem in f.problems]
    unique, copies = _unique([f for f in files if f.sound])
    findings += copies
    timely = _timely(unique, now, findings)
    signed = _signed(timely, keyring, findings)
    counted = _referenced(signed, unique, files, findings)
    findings += _missing_names(incident, files)
    accepted = sorted((f.summary for f in counted if f.summary), key=lambda s: s.order)
    return IncidentEvidence(incident, files, accepted, findings, heads(unique))


def _sha(facts: FileFacts) -> str:
    return facts.summary.sha256 if facts.summary else ""


def _unique(sound: list[FileFacts]) -> tuple[list[FileFacts], list[Finding]]:
    """One file per record content; a copy under another name is a finding."""
    first: dict[str, FileFacts] = {}
    copies = []
    for facts in sorted(sound, key=lambda f: f.name):
        kept = first.setdefault(_sha(facts), facts)
        if kept is not facts:
            problem = f"the same record as {kept.name} (a copy under another name counts once)"
            copies.append(Finding(facts.name, problem))
    return list(first.values()), copies


def _timely(unique: list[FileFacts], now: datetime, findings: list[Finding]) -> list[FileFacts]:
    """The records not dated after ``now`` by more than the clock-skew allowance."""
    limit = now + SKEW
    plain_limit = iso_z(limit)
    kept = []
    for facts in unique:
        started = facts.summary.started_at if facts.summary else ""
        if _after(started, plain_limit, limit):
            allowance = format_duration_ms(int(SKEW.total_seconds() * 1000))
            findings.append(
                Finding(
                    facts.name,
                    f"dated {started}, after the time of reading ({iso_z(now)}) by more than "
                    f"the {allowance} clock-skew allowance",
                )
            )
        else:
            kept.append(facts)
    return kept


def _after(started: str, plain_limit: str, limit: datetime) -> bool:
    """``started`` is later than ``limit`` (``plain_limit``: the same as closeout writes it).

    Times closeout writes (``2026-11-01T00:00:00Z``) compare as text; others are parsed.
    """
    if len(started) == 20 and started.endswith("Z") and started[10] == "T":
        return started > plain_limit
    return parse_aware(started) > limit


def _signed(timely: list[FileFacts], keyring: Keyring, findings: list[Finding]) -> list[FileFacts]:
    """Where signing is required: the records with a trusted signature, or attested."""
    if not keyring.required:
        return timely
    attested: set[str] = set()
    for facts in timely:
        if facts.summary and facts.summary.type == "reseal" and keyring.trusts(facts.sig):
            attested.update(facts.summary.attests)
    kept = []
    for facts in timely:
        vouched = _sha(facts) in attested and facts.summary and facts.summary.type != "reseal"
        if keyring.trusts(facts.sig) or vouched:
            kept.append(facts)
        else:
            findings.append(Finding(facts.name, keyring.why_untrusted(facts.sig)))
    return kept


def _referenced(
    signed: list[FileFacts],
    unique: list[FileFacts],
    files: list[FileFacts],
    findings: list[Finding],
) -> list[FileFacts]:
    """The records whose references hold: closures and recurrences rest on counted runs."""
    runs = {_sha(f): f for f in signed if f.summary and f.summary.type == "run"}
    present = {f.claimed: f for f in files if f.intact} | {_sha(f): f for f in unique}
    altered = {f.claimed: f for f in files if f.claimed and not f.intact}
    kept = []
    for facts in signed:
        summary = facts.summary
        assert summary is not None  # sound files have one
        if summary.type == "closure":
            problems = _closure_problems(summary, runs, present, altered)
        elif summary.type == "recurrence":
            problems = _recurrence_problems(summary, runs, present, altered)
        else:
            problems = []
        findings += [Finding(facts.name, problem) for problem in problems]
        if not problems:
            kept.append(facts)
    return kept


def _absent(digest: str, present: dict[str, FileFacts], altered: dict[str, FileFacts]) -> str:
    """Why the run ``digest`` does not count: it is missing, modified, or rejected."""
    if digest in present:
        return f"a run that does not count ({present[digest].name})"
    if digest in altered:
        return f"a modified run {digest[:12]} ({altered[digest].name})"
    return f"a missing run {digest[:12]}"


def _closure_problems(
    closure: RecordSummary,
    runs: dict[str, FileFacts],
    present: dict[str, FileFacts],
    altered: dict[str, FileFacts],
) -> list[str]:
    if not closure.runs:
        return ["closure rests on no run"]
    problems = []
    for digest in closure.runs:
        found = runs.get(digest)
        if found is None or found.summary is None:
            problems.append(f"closure rests on {_absent(digest, present, altered)}")
            continue
        run = found.summary
        if run.verdict != "pass":
            problems.append(
                f"closure rests on a run that did not pass ({run.scenario}: {run.verdict})"
            )
        if run.action != closure.action:
            problems.append(f"closure rests on a run of another action ({run.action})")
    return problems


def _recurrence_problems(
    recurrence: RecordSummary,
    runs: dict[str, FileFacts],
    present: dict[str, FileFacts],
    altered: dict[str, FileFacts],
) -> list[str]:
    digest = recurrence.run or ""
    if digest in runs:
        return []
    if not digest:
        return ["recurrence names no run"]
    return [f"recurrence names {_absent(digest, present, altered)}"]


def _missing_names(incident: str, files: list[FileFacts]) -> list[Finding]:
    """Records named by a ``prev``, a reseal's ``attests`` (or, for a record that does not
    count, its ``runs`` or ``run``) that are not here intact.

    Every intact record of this incident counts as a witness, even one that counts for
    nothing itself (renamed, unsigned, a copy): what it saw is still evidence of deletion.
    """
    intact = {f.claimed for f in files if f.intact}
    altered = {f.claimed: f for f in files if f.claimed and not f.intact}
    found = []
    for facts in files:
        summary = facts.summary
        if not facts.intact or summary is None or summary.incident != incident:
            continue
        named = [("prev names", d) for d in summary.prev]
        named += [("attests", d) for d in summary.attests]
        if not facts.sound:  # a sound closure or recurrence has its runs checked already
            named += [("rests on", d) for d in summary.runs]
            named += [("names the run", d) for d in [summary.run] if d]
        for field, digest in named:
            if digest in intact:
                continue
            if digest in altered:
                what = f"{digest[:12]}, which was altered ({altered[digest].name})"
            else:
                what = f"{digest[:12]}, a record that is missing"
            found.append(Finding(facts.name, f"{field} {what}"))
    return found


def heads(unique: list[FileFacts]) -> list[str]:
    """The sha256 of the records no other record names in ``prev``, sorted."""
    shas = {_sha(f) for f in unique}
    named = {digest for f in unique if f.summary for digest in f.summary.prev}
    return sorted(shas - named)

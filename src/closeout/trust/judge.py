"""What one evidence file is, on its own: ``FileFacts``.

Everything here depends only on the file's bytes and name, the incident whose folder holds
it, and the keyring, so it can be cached by the file's identity (``trust.index``). What
depends on the other files (copies, references) or on the time of reading is the
ledger's.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from closeout.models.canonical import canonical_bytes, parse_json, render
from closeout.models.records import MalformedRecordError, RecordSummary, parse_record
from closeout.signing import Keyring, SigCheck

UNSIGNED = SigCheck("none")
ENVELOPE = ("schema", "type", "id", "incident", "action", "started_at", "sha256", "signature")


@dataclass(frozen=True, slots=True)
class FileFacts:
    """One evidence file judged on its own.

    ``problems`` make the file count for nothing whatever else holds; ``summary`` is None
    when it is no record closeout can use; ``intact`` says its sha256 is its content's
    (so it can be a head other records name); ``claimed`` is the sha256 it states.
    """

    name: str
    digest: str  # sha256 of the raw bytes ("" when they could not be read)
    summary: RecordSummary | None
    problems: tuple[str, ...]
    intact: bool = False
    claimed: str = ""
    sig: SigCheck = UNSIGNED

    @property
    def sound(self) -> bool:
        """Nothing wrong with the file on its own (signature policy and time aside)."""
        return not self.problems and self.summary is not None


def short_id(record_id: str) -> str:
    """The 8 hex digits of a record's id that end its file name."""
    return record_id.replace("-", "")[:8]


def stamp(started_at: str) -> str:
    """The time stamp that starts a record's file name (``20261201T145444Z``)."""
    return started_at.replace("-", "").replace(":", "")


def name_fits(name: str, started_at: str, record_id: str) -> bool:
    """A record's file is named ``<stamp>-<label>-<short id>.json`` by its writer."""
    head, tail = f"{stamp(started_at)}-", f"-{short_id(record_id)}.json"
    return len(name) >= len(head) + len(tail) and name.startswith(head) and name.endswith(tail)


def unreadable(name: str, problem: str) -> FileFacts:
    """The facts of a file that could not be read at all."""
    return FileFacts(name, "", None, (problem,))


def judge_bytes(name: str, raw: bytes, incident: str, keyring: Keyring) -> FileFacts:
    """Judge the bytes ``raw`` of the file ``name`` in the evidence folder of ``incident``."""
    digest = hashlib.sha256(raw).hexdigest()
    try:
        content = parse_json(raw)
    except ValueError:
        return FileFacts(name, digest, None, ("not valid JSON (truncated or modified)",))
    if not isinstance(content, dict):
        return FileFacts(name, digest, None, ("not a record (not a JSON object)",))
    claimed = content.get("sha256") if isinstance(content.get("sha256"), str) else ""
    problems, body = _seal_problems(raw, content)
    sig = keyring.check(content.get("signature"), body) if body is not None else UNSIGNED
    intact = not problems
    if sig.status == "bad":
        problems.append("bad signature")
    elif sig.status == "malformed":
        problems.append("malformed signature (expected an HMAC string or alg/key_id/value)")
    try:
        record = parse_record(content)
    except MalformedRecordError as exc:
        return FileFacts(name, digest, None, (*problems, str(exc)), intact, str(claimed), sig)
    problems += _place_problems(name, content, incident)
    summary = record.summary(name)
    return FileFacts(name, digest, summary, tuple(problems), intact, str(claimed), sig)


def _seal_problems(raw: bytes, content: dict[str, Any]) -> tuple[list[str], bytes | None]:
    """What is wrong with the seal, and the canonical bytes (None when there are none)."""
    missing = [field for field in ENVELOPE if field not in content]
    if missing:
        return [f"missing field(s) {', '.join(missing)}"], None
    try:
        body = canonical_bytes(content)
        rendered = render(content)
    except ValueError as exc:
        return [f"no canonical form: {exc}"], None
    if content.get("sha256") != hashlib.sha256(body).hexdigest():
        return ["sha256 does not match the record's content (modified)"], body
    if raw != rendered:
        return ["the file differs from its canonical form (modified)"], body
    return [], body


def _place_problems(name: str, content: dict[str, Any], incident: str) -> list[str]:
    """A record belongs in its incident's folder, under the name its writer gave it."""
    problems = []
    named = content.get("incident")
    if named != incident:
        problems.append(
            f"names incident {named!r} but is stored in the evidence of {incident} "
            "(copied or moved)"
        )
    started_at, record_id = content.get("started_at"), content.get("id")
    if not (isinstance(started_at, str) and isinstance(record_id, str)) or not name_fits(
        name, started_at, record_id
    ):
        problems.append("file name does not match the record's time and id (renamed or replayed)")
    return problems

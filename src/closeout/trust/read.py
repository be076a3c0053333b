"""Reading an incident's evidence folder through the index, then deciding (``ledger``).

Each record file is judged once per content: the authenticated index (``trust.index``)
holds the facts of files unchanged since they were judged, and an in-process memo spares a
writer that writes many records in one session from judging the same files again.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from closeout._io import NotARegularFile, read_regular
from closeout.signing import Keyring
from closeout.trust import index
from closeout.trust.files import Listed, StatKey, list_folder
from closeout.trust.judge import FileFacts, judge_bytes, unreadable
from closeout.trust.ledger import IncidentEvidence, decide

RECORD_LIMIT = 64 * 1024 * 1024  # far beyond any record closeout writes

# (folder, name, identity, keyring) -> facts: this process judged that file already.
_MEMO: dict[tuple[str, str, StatKey, bytes], FileFacts] = {}


def read_incident(
    folder: Path,
    incident: str,
    keyring: Keyring,
    now: datetime,
    *,
    use_index: bool = True,
    save_index: bool = True,
) -> IncidentEvidence:
    """Judge every file of ``folder`` (the evidence of ``incident``) and decide.

    ``use_index=False`` judges every file from its bytes (what ``close`` re-checks with);
    ``save_index=False`` leaves the folder untouched (what writers do).
    """
    listed = list_folder(folder)
    cached = index.load(folder, keyring) if use_index else {}
    fingerprint = keyring.fingerprint()
    facts: list[FileFacts] = []
    entries: index.Entries = {}
    for item in listed:
        judged = _facts(folder, item, incident, keyring, cached, fingerprint, use_index)
        facts.append(judged)
        if item.key is not None and judged.digest:
            entries[item.name] = (item.key, judged)
    stale = len(entries) != len(cached) or any(
        cached.get(name, (None,))[0] != entry[0] for name, entry in entries.items()
    )
    if save_index and stale:
        index.save(folder, keyring, entries)
    return decide(incident, facts, keyring, now)


def _facts(
    folder: Path,
    item: Listed,
    incident: str,
    keyring: Keyring,
    cached: index.Entries,
    fingerprint: bytes,
    use_index: bool,
) -> FileFacts:
    if item.key is None:
        return unreadable(item.name, f"not a regular file ({item.kind}) named like a record")
    hit = cached.get(item.name)
    if hit is not None and hit[0] == item.key:
        return hit[1]
    memo_key = (str(folder), item.name, item.key, fingerprint)
    if use_index and memo_key in _MEMO:
        return _MEMO[memo_key]
    judged = judge_file(folder / item.name, incident, keyring)
    if judged.digest:
        _MEMO[memo_key] = judged
    return judged


def judge_file(path: Path, incident: str, keyring: Keyring) -> FileFacts:
    """Judge one file from its bytes (no index, no memo)."""
    try:
        raw = read_regular(path, RECORD_LIMIT)
    except NotARegularFile as exc:
        return unreadable(path.name, f"not a regular file ({exc.what}) named like a record")
    except OSError as exc:
        return unreadable(path.name, f"cannot read: {exc.strerror or exc}")
    return judge_bytes(path.name, raw, incident, keyring)

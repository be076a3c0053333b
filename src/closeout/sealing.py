"""Sealing and writing a record: ``prev``, sha256, signature, one atomic write.

A new record (schema 2) names its incident's current heads in ``prev`` (SPEC §15), so
deleting or altering a record that a later one has seen is reported by ``verify``. Two
writers at the same moment may name the same heads: both records then are heads, and the
next writer names both; nothing is lost. The record is then sealed (sha256 of its canonical
bytes, and a signature when a key is set) and written atomically (``closeout._io``); the
writer then sweeps temporary files that killed writers left in the folder over an hour ago.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from closeout._io import AtomicWriteError, sweep_temp, write_bytes
from closeout._numbers import encode_nonfinite
from closeout._time import utc_now
from closeout.errors import CloseoutError
from closeout.models.canonical import MAX_SAFE_INTEGER, canonical_bytes, record_sha256, render
from closeout.models.records import Record
from closeout.project import Project
from closeout.signing import SIGNING_KEY_ENV as SIGNING_KEY_ENV
from closeout.signing import HmacSigner, Keyring, Signer, keyring_for
from closeout.signing import signer_from_env as signer_from_env
from closeout.trust.judge import short_id, stamp
from closeout.trust.read import read_incident

Key = str | Signer | None  # a key: an HMAC secret ("" = unsigned), a signer, None = from env


class EvidenceWriteError(CloseoutError):
    """A record could not be written (disk full, permissions); nothing partial is left."""


def signing_key() -> str | None:
    """The HMAC key from ``$CLOSEOUT_SIGNING_KEY``, or None when it is unset or empty."""
    return os.environ.get(SIGNING_KEY_ENV) or None


def resolve_signer(key: Key) -> Signer | None:
    """The signer for ``key``: None reads the environment, ``""`` signs nothing."""
    if key is None:
        return signer_from_env()
    if isinstance(key, Signer):
        return key
    return HmacSigner(key) if key else None


def seal(record: Mapping[str, Any], key: Key = None) -> dict[str, Any]:
    """A copy of ``record`` with its ``sha256`` and ``signature`` (see ``resolve_signer``)."""
    signer = resolve_signer(key)
    body = canonical_bytes(record)
    sealed = dict(record)
    sealed["sha256"] = record_sha256(record)
    sealed["signature"] = signer.sign(body) if signer is not None else None
    return sealed


def safe_integers(value: Any) -> Any:
    """RFC 8785 numbers are doubles: an integer beyond ±(2**53 - 1) is written as its
    decimal string (as RFC 8785 §6 advises), so the record keeps every digit."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else str(value)
    if isinstance(value, dict):
        return {key: safe_integers(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [safe_integers(inner) for inner in value]
    return value


def normalized(record: Record | Mapping[str, Any]) -> dict[str, Any]:
    """The JSON object a record is written as: non-finite numbers as strings, and for
    schema 2 integers beyond the double range as strings."""
    body = encode_nonfinite(dict(record.body() if isinstance(record, Record) else record))
    if body.get("schema") != 1:
        body = safe_integers(body)
    return dict(body)


def record_path(project: Project, record: Mapping[str, Any], label: str) -> Path:
    """``reports/<INC>/evidence/<stamp>-<label>-<8 hex of the id>.json``."""
    name = f"{stamp(str(record['started_at']))}-{label}-{short_id(str(record['id']))}.json"
    return project.reports_dir / str(record["incident"]) / "evidence" / name


def writer_keyring(project: Project, signer: Signer | None) -> Keyring:
    """The keyring a writer reads the heads with (its own key, the project's keys)."""
    hmac_key = signer.key if isinstance(signer, HmacSigner) else signing_key()
    return keyring_for(project, signer, hmac_key)


def current_heads(project: Project, incident: str, keyring: Keyring) -> list[str]:
    """The sha256 of the incident's records that no record names in ``prev`` yet."""
    folder = project.reports_dir / incident / "evidence"
    return read_incident(folder, incident, keyring, utc_now(), save_index=False).heads


def write_record(
    project: Project, record: Record | Mapping[str, Any], label: str, key: Key = None
) -> Path:
    """Name the heads in ``prev`` (schema 2), seal under ``key`` and write atomically."""
    body = normalized(record)
    signer = resolve_signer(key)
    if body.get("schema") != 1 and "prev" not in body:
        keyring = writer_keyring(project, signer)
        body["prev"] = current_heads(project, str(body["incident"]), keyring)
    try:
        sealed = seal(body, signer if signer is not None else "")
    except ValueError as exc:  # no canonical form: a value RFC 8785 cannot write
        raise EvidenceWriteError(f"cannot seal the record: {exc}") from None
    path = record_path(project, sealed, label)
    try:
        write_bytes(path, render(sealed))
    except AtomicWriteError as exc:
        raise EvidenceWriteError(_write_problem(path, exc)) from None
    sweep_temp(path.parent)
    return path


def _write_problem(path: Path, exc: AtomicWriteError) -> str:
    cause = exc.cause
    if exc.stage == "folder":
        return f"cannot create {path.parent}: {cause.strerror}"
    if exc.stage == "create":
        return f"cannot write evidence in {path.parent}: {cause.strerror}"
    return f"cannot write evidence {path.name}: {cause.strerror or cause}; nothing was written"

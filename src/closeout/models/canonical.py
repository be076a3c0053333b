"""The canonical form of a record (SPEC §5, schema 1): its bytes, sha256 and HMAC signature.

The canonical JSON is UTF-8, sorted keys, no insignificant white space, taken over the
record without its ``sha256`` and ``signature`` fields; a record file is the same object
indented by two spaces, plus a newline. Both refuse non-finite numbers: records hold them as
strings (``closeout._numbers``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any


def canonical_bytes(record: Mapping[str, Any]) -> bytes:
    """The canonical JSON of a record without its ``sha256`` and ``signature`` fields."""
    body = {k: v for k, v in record.items() if k not in ("sha256", "signature")}
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def seal_with(record: Mapping[str, Any], key: str | None) -> dict[str, Any]:
    """A copy of ``record`` with its ``sha256`` and ``signature`` (HMAC-SHA256 under ``key``,
    None without a key)."""
    body = canonical_bytes(record)
    sealed = dict(record)
    sealed["sha256"] = hashlib.sha256(body).hexdigest()
    sealed["signature"] = hmac.new(key.encode(), body, hashlib.sha256).hexdigest() if key else None
    return sealed


def signature_ok(record: Mapping[str, Any], key: str) -> bool:
    """The record's signature is the HMAC-SHA256 of its canonical bytes under ``key``."""
    signature = record.get("signature")
    if not isinstance(signature, str):
        return False
    expected = hmac.new(key.encode(), canonical_bytes(record), hashlib.sha256).hexdigest()
    return hmac.compare_digest(signature, expected)


def verify_sha256(record: Mapping[str, Any]) -> bool:
    """The record's ``sha256`` is the sha256 of its canonical bytes."""
    return record.get("sha256") == hashlib.sha256(canonical_bytes(record)).hexdigest()


def render(record: Mapping[str, Any]) -> bytes:
    """The exact bytes of a record file; ``verify`` insists files are byte-identical to it."""
    text = json.dumps(record, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode()


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(data: bytes) -> Any:
    """Strict JSON (no bare ``NaN`` or ``Infinity``, which no record holds): ValueError else."""
    try:
        return json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("nested too deeply") from None

"""The canonical form of a record: its bytes, its sha256, and the file it is written as.

- Schema 1 (SPEC §5): UTF-8 JSON with sorted keys and no insignificant white space
  (``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)``).
- Schema 2 (SPEC §15): RFC 8785, the JSON Canonicalization Scheme, so that a verifier in
  any language gets the same bytes: numbers as ECMAScript prints them (``77.0`` is ``77``),
  keys sorted by UTF-16 code units. The ``rfc8785`` package implements the scheme. Its
  pure-Python serialiser costs ~0.5 ms a record, so records made only of what plain
  ``json.dumps`` already writes the RFC 8785 way (every key in the Basic Multilingual
  Plane, integers within ±(2**53 - 1), floats that are whole below 2**53 or written
  without an exponent by both) take that path; everything else goes to ``rfc8785``.
  ``tests/unit/test_canonical.py`` checks the two agree on arbitrary JSON.

Both are taken over the record without its ``sha256`` and ``signature`` fields. A record
file is the same object indented by two spaces, plus a newline. Non-finite numbers are
never in a record (``closeout._numbers`` writes them as strings).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from collections.abc import Mapping
from json.encoder import encode_basestring as _encode_string
from typing import Any

import rfc8785

SEAL_FIELDS = ("sha256", "signature")
MAX_SAFE_INTEGER = 2**53 - 1  # RFC 8785 numbers are IEEE 754 doubles (I-JSON)
_FLOAT_PLAIN = (1e-4, 1e16)  # where Python's repr and ECMAScript both write no exponent
_BMP_MAX = "\uffff"


class NotCanonical(ValueError):
    """The value has no RFC 8785 form (a non-finite number, an integer beyond 2**53, ...)."""


def schema_of(record: Mapping[str, Any]) -> int:
    """The schema a record is canonicalised under: 1 when it says so, else 2."""
    return 1 if record.get("schema") == 1 else 2


def unsealed(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record without its ``sha256`` and ``signature``: what is hashed and signed."""
    return {k: v for k, v in record.items() if k not in SEAL_FIELDS}


def canonical_bytes(record: Mapping[str, Any]) -> bytes:
    """The canonical bytes of a record (without its seal), under the record's schema.

    NotCanonical (a ValueError) when a schema-2 record holds a value RFC 8785 cannot write.
    """
    body = unsealed(record)
    if schema_of(record) == 1:
        return json.dumps(
            body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode()
    return jcs(body)


def jcs(value: Any) -> bytes:
    """RFC 8785 bytes of a JSON value (see the module docstring for the two paths)."""
    try:
        plain = _plain(value)
        return json.dumps(
            plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode("utf-8")
    except (_Unusual, UnicodeEncodeError, ValueError):
        pass
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, RecursionError) as exc:
        raise NotCanonical(f"no RFC 8785 form: {exc}") from None


class _Unusual(Exception):
    """A value the ``json.dumps`` path might write differently from RFC 8785."""


def _plain(value: Any) -> Any:
    """``value`` with whole floats as integers, or _Unusual when json.dumps could differ."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return value
    if kind is dict:
        plain = {}
        for key, inner in value.items():
            if type(key) is not str or not (key.isascii() or max(key, default="") <= _BMP_MAX):
                raise _Unusual
            plain[key] = _plain(inner)
        return plain
    if kind is list or kind is tuple:
        return [_plain(inner) for inner in value]
    if kind is int:
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return value
        raise _Unusual
    if kind is float:
        return _plain_float(value)
    raise _Unusual  # subclasses and other types: the reference implementation decides


def _plain_float(value: float) -> float | int:
    magnitude = abs(value)
    if value.is_integer():
        if magnitude <= MAX_SAFE_INTEGER:
            return int(value)  # ECMAScript writes 77.0 as 77 (and -0.0 as 0)
        raise _Unusual  # ECMAScript pads the shortest digits with zeros
    if _FLOAT_PLAIN[0] <= magnitude < _FLOAT_PLAIN[1]:
        return value  # the shortest round-trip digits, no exponent, in both
    raise _Unusual


def record_sha256(record: Mapping[str, Any]) -> str:
    """The sha256 (hex) of a record's canonical bytes."""
    return hashlib.sha256(canonical_bytes(record)).hexdigest()


def seal_with(record: Mapping[str, Any], key: str | None) -> dict[str, Any]:
    """A copy of ``record`` with its ``sha256`` and ``signature`` (HMAC-SHA256 under ``key``,
    None without a key)."""
    body = canonical_bytes(record)
    sealed = dict(record)
    sealed["sha256"] = hashlib.sha256(body).hexdigest()
    sealed["signature"] = hmac_hex(key, body) if key else None
    return sealed


def hmac_hex(key: str, body: bytes) -> str:
    """The HMAC-SHA256 (hex) of ``body`` under ``key``: the Part I signature."""
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def signature_ok(record: Mapping[str, Any], key: str) -> bool:
    """The record's signature is the HMAC-SHA256 of its canonical bytes under ``key``."""
    signature = record.get("signature")
    if not isinstance(signature, str):
        return False
    try:
        expected = hmac_hex(key, canonical_bytes(record))
    except ValueError:
        return False
    return hmac.compare_digest(signature, expected)


def verify_sha256(record: Mapping[str, Any]) -> bool:
    """The record's ``sha256`` is the sha256 of its canonical bytes."""
    try:
        return record.get("sha256") == record_sha256(record)
    except ValueError:
        return False


def render(record: Mapping[str, Any]) -> bytes:
    """The exact bytes of a record file; ``verify`` insists files are byte-identical to it.

    ``json.dumps(record, sort_keys=True, indent=2, ensure_ascii=False) + "\\n"``, written by
    ``_indented`` (Python's own encoder is pure Python when indenting, and twice as slow).
    """
    parts: list[str] = []
    try:
        _indented(record, "\n", parts)
    except _Unusual:
        text = json.dumps(record, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
        return (text + "\n").encode()
    parts.append("\n")
    return "".join(parts).encode()


def _indented(value: Any, newline: str, parts: list[str]) -> None:
    """Append ``value`` as ``json.dumps(indent=2, sort_keys=True)`` writes it."""
    kind = type(value)
    if kind is str:
        parts.append(_encode_string(value))
    elif kind is dict:
        if not value:
            parts.append("{}")
            return
        inner = newline + "  "
        parts.append("{")
        separator = inner
        for key in sorted(value):
            if type(key) is not str:
                raise _Unusual
            parts.append(separator)
            parts.append(_encode_string(key))
            parts.append(": ")
            _indented(value[key], inner, parts)
            separator = "," + inner
        parts.append(newline + "}")
    elif kind is list:
        if not value:
            parts.append("[]")
            return
        inner = newline + "  "
        parts.append("[")
        separator = inner
        for item in value:
            parts.append(separator)
            _indented(item, inner, parts)
            separator = "," + inner
        parts.append(newline + "]")
    else:
        parts.append(_scalar(value, kind))


def _scalar(value: Any, kind: type) -> str:
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float and math.isfinite(value):
        return float.__repr__(value)
    raise _Unusual  # non-finite numbers, tuples, subclasses: json.dumps decides (and refuses)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(data: bytes) -> Any:
    """Strict JSON (no bare ``NaN`` or ``Infinity``, which no record holds): ValueError else."""
    try:
        return json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("nested too deeply") from None

"""Signing records and checking their signatures (SPEC §15; HMAC from Part I).

- ``$CLOSEOUT_SIGNING_KEY_FILE`` names an Ed25519 private key (PEM): a record's
  ``signature`` is ``{"alg": "ed25519", "key_id": ..., "value": <base64>}`` over its
  canonical bytes, where ``key_id`` is the first 16 hex digits of the sha256 of the raw
  public key. Checking needs only public keys: ``[tool.closeout] trusted_keys``.
- ``$CLOSEOUT_SIGNING_KEY`` (an HMAC key, when no key file is set) signs with the hex
  HMAC-SHA256 of the same bytes; whoever checks it can also forge it.

A ``Keyring`` holds what this process can check with and the project's policy: signing is
*required* when ``trusted_keys`` is set (only a valid signature from one of those keys
counts) or ``require_signed`` is (any signature this process can check counts).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from closeout.errors import UsageError
from closeout.project import Project

SIGNING_KEY_ENV = "CLOSEOUT_SIGNING_KEY"
SIGNING_KEY_FILE_ENV = "CLOSEOUT_SIGNING_KEY_FILE"
ED25519 = "ed25519"
_KEY_FILE_LIMIT = 64 * 1024

SigStatus = Literal["none", "valid", "bad", "unknown", "unchecked", "malformed"]


def key_id(public: Ed25519PublicKey) -> str:
    """The first 16 hex digits of the sha256 of the raw 32-byte public key."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


class Signer:
    """Signs canonical record bytes; ``name`` says with what (``hmac``, ``ed25519:<id>``)."""

    name = ""

    def sign(self, body: bytes) -> str | dict[str, str]:
        """The ``signature`` field of a record whose canonical bytes are ``body``."""
        raise NotImplementedError


class HmacSigner(Signer):
    """Part I: the hex HMAC-SHA256 under a shared secret."""

    name = "hmac"

    def __init__(self, key: str) -> None:
        self.key = key

    def sign(self, body: bytes) -> str:
        return hmac.new(self.key.encode(), body, hashlib.sha256).hexdigest()


class Ed25519Signer(Signer):
    """SPEC §15: an Ed25519 signature anyone holding the public key can check."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self.private = private
        self.public = private.public_key()
        self.key_id = key_id(self.public)
        self.name = f"{ED25519}:{self.key_id}"

    def sign(self, body: bytes) -> dict[str, str]:
        value = base64.b64encode(self.private.sign(body)).decode("ascii")
        return {"alg": ED25519, "key_id": self.key_id, "value": value}


def _read_key_file(path: Path, what: str) -> bytes:
    """The bytes of a key file; ``what`` names it in the UsageError when it cannot be read."""
    try:
        with path.open("rb") as stream:
            data = stream.read(_KEY_FILE_LIMIT + 1)
    except OSError as exc:
        raise UsageError(f"{what}: cannot read: {exc.strerror or exc}") from None
    if len(data) > _KEY_FILE_LIMIT:
        raise UsageError(f"{what}: not a key (over {_KEY_FILE_LIMIT} bytes)")
    return data


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 private key in a PEM file (unencrypted); UsageError naming the file."""
    what = f"${SIGNING_KEY_FILE_ENV}={path}"
    data = _read_key_file(path, what)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{what}: not an unencrypted PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageError(f"{what}: not an Ed25519 private key ({type(key).__name__})")
    return key


def load_public_key(path: Path, what: str) -> Ed25519PublicKey:
    """The Ed25519 public key in a PEM file; ``what`` names it in a UsageError."""
    data = _read_key_file(path, what)
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{what}: not a PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise UsageError(f"{what}: not an Ed25519 public key ({type(key).__name__})")
    return key


def signer_from_env(environ: Mapping[str, str] | None = None) -> Signer | None:
    """The key file's Ed25519 signer, else the HMAC signer, else None (unsigned records)."""
    env = os.environ if environ is None else environ
    key_file = env.get(SIGNING_KEY_FILE_ENV, "").strip()
    if key_file:
        return Ed25519Signer(load_private_key(Path(key_file)))
    secret = env.get(SIGNING_KEY_ENV)
    return HmacSigner(secret) if secret else None


def signer_key_id(signer: str) -> str:
    """The key id of an ``ed25519:<key id>`` signer name ("" for any other)."""
    prefix = f"{ED25519}:"
    return signer[len(prefix) :] if signer.startswith(prefix) else ""


@dataclass(frozen=True)
class SigCheck:
    """What a record's signature is: ``status`` and, when known, the key (``signer``)."""

    status: SigStatus
    signer: str = ""  # "hmac" or "ed25519:<key id>"


@dataclass
class Keyring:
    """The keys this process checks signatures with, and the project's signing policy."""

    public: dict[str, Ed25519PublicKey] = field(default_factory=dict)  # key id -> key
    trusted: frozenset[str] = frozenset()  # key ids listed in trusted_keys
    hmac_key: str | None = None
    trusted_keys_set: bool = False
    require_signed: bool = False

    @property
    def required(self) -> bool:
        """A record counts only with a signature that ``trusts`` accepts."""
        return self.trusted_keys_set or self.require_signed

    def check(self, signature: Any, body: bytes) -> SigCheck:
        """Classify a record's ``signature`` field against its canonical bytes ``body``."""
        if signature is None or signature == "":
            return SigCheck("none")
        if isinstance(signature, str):
            if self.hmac_key is None:
                return SigCheck("unchecked", "hmac")
            expected = hmac.new(self.hmac_key.encode(), body, hashlib.sha256).hexdigest()
            return SigCheck("valid" if hmac.compare_digest(signature, expected) else "bad", "hmac")
        return self._check_ed25519(signature, body)

    def _check_ed25519(self, signature: Any, body: bytes) -> SigCheck:
        fields = signature if isinstance(signature, dict) else {}
        ident, value = fields.get("key_id"), fields.get("value")
        if fields.get("alg") != ED25519 or not isinstance(ident, str) or not isinstance(value, str):
            return SigCheck("malformed")
        signer = f"{ED25519}:{ident}"
        public = self.public.get(ident)
        if public is None:
            return SigCheck("unknown", signer)
        try:
            public.verify(base64.b64decode(value, validate=True), body)
        except (InvalidSignature, binascii.Error, ValueError):
            return SigCheck("bad", signer)
        return SigCheck("valid", signer)

    def trusts(self, check: SigCheck) -> bool:
        """The signature makes the record count where signing is required."""
        if check.status != "valid":
            return False
        if not self.trusted_keys_set:
            return True
        return signer_key_id(check.signer) in self.trusted

    def why_untrusted(self, check: SigCheck) -> str:
        """Why a record does not count where signing is required (``trusts`` is False)."""
        setting = "trusted_keys" if self.trusted_keys_set else "require_signed"
        if check.status == "none":
            return f"unsigned record ({setting} is set)"
        if check.status == "unchecked":
            return f"HMAC-signed, but ${SIGNING_KEY_ENV} is not set: cannot check it ({setting})"
        if check.signer == "hmac":
            return "HMAC-signed: trusted_keys asks for an Ed25519 signature from one of its keys"
        return f"signed by key {signer_key_id(check.signer)}, which is not in trusted_keys"

    def missing_key(self) -> str | None:
        """What is missing when signing is required and no key can check anything."""
        if self.require_signed and not self.trusted_keys_set and not self.can_check:
            return (
                f"require_signed is set, but no key can check a signature: set "
                f"${SIGNING_KEY_ENV} (HMAC) or list Ed25519 public keys in "
                "[tool.closeout] trusted_keys"
            )
        return None

    @property
    def can_check(self) -> bool:
        return self.hmac_key is not None or bool(self.public)

    def fingerprint(self) -> bytes:
        """Changes whenever a signature could be judged differently (binds the index cache)."""
        parts = [f"trusted_keys={int(self.trusted_keys_set)}", f"required={int(self.required)}"]
        parts += [f"key={ident}" for ident in sorted(self.public)]
        parts += [f"trusted={ident}" for ident in sorted(self.trusted)]
        if self.hmac_key is not None:
            parts.append("hmac=" + hmac.new(self.hmac_key.encode(), b"fp", "sha256").hexdigest())
        return "\n".join(parts).encode()


def keyring_for(project: Project, signer: Signer | None, hmac_key: str | None) -> Keyring:
    """The project's policy with its trusted keys, this process's key, and the HMAC key."""
    public: dict[str, Ed25519PublicKey] = {}
    trusted = set()
    for shown, path in project.trusted_key_paths():
        where = f"{project.setting_where('trusted_keys')}: [tool.closeout] trusted_keys: {shown}"
        key = load_public_key(path, where)
        public[key_id(key)] = key
        trusted.add(key_id(key))
    if isinstance(signer, Ed25519Signer):
        public.setdefault(signer.key_id, signer.public)
    return Keyring(
        public=public,
        trusted=frozenset(trusted),
        hmac_key=hmac_key or None,
        trusted_keys_set=bool(project.trusted_keys),
        require_signed=project.require_signed,
    )


def keyring_from_env(project: Project) -> Keyring:
    """The project's policy with this process's keys, as the environment gives them."""
    return keyring_for(project, signer_from_env(), os.environ.get(SIGNING_KEY_ENV))

"""Ed25519 and HMAC signatures (SPEC §15): the signature format, key ids, keys and policy."""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

import pytest
import rfc8785
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key

from closeout.errors import UsageError
from closeout.project import load_project
from closeout.sealing import seal
from closeout.signing import (
    Ed25519Signer,
    HmacSigner,
    Keyring,
    SigCheck,
    key_id,
    keyring_for,
    signer_from_env,
)

RECORD = {"schema": 2, "type": "run", "incident": "INC-1", "verdict": "pass", "duration_s": 2.0}


def pem_private(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def pem_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_an_ed25519_signature_is_alg_key_id_and_base64_over_the_rfc8785_bytes() -> None:
    private = Ed25519PrivateKey.generate()
    sealed = seal(RECORD, Ed25519Signer(private))
    signature = sealed["signature"]
    assert set(signature) == {"alg", "key_id", "value"} and signature["alg"] == "ed25519"
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    assert signature["key_id"] == hashlib.sha256(raw).hexdigest()[:16]
    # Checked with cryptography alone, over the bytes the rfc8785 package gives.
    private.public_key().verify(base64.b64decode(signature["value"]), rfc8785.dumps(RECORD))


def test_an_hmac_signature_stays_the_hex_hmac_of_the_canonical_bytes() -> None:
    sealed = seal(RECORD, HmacSigner("k3y"))
    expected = hmac.new(b"k3y", rfc8785.dumps(RECORD), hashlib.sha256).hexdigest()
    assert sealed["signature"] == expected


def keyring(private: Ed25519PrivateKey, **policy: bool) -> Keyring:
    public = private.public_key()
    return Keyring(
        public={key_id(public): public},
        trusted=frozenset({key_id(public)}) if policy.get("trusted_keys_set") else frozenset(),
        hmac_key="k3y",
        **policy,
    )


@pytest.mark.parametrize(
    ("signature", "status"),
    [
        (None, "none"),
        ("", "none"),
        ("hmac", "valid"),
        ("0" * 64, "bad"),
        ("ed25519", "valid"),
        ("other-ed25519", "unknown"),
        ("tampered-ed25519", "bad"),
        ({"alg": "rsa", "key_id": "x", "value": "y"}, "malformed"),
        ([1, 2], "malformed"),
    ],
)
def test_every_kind_of_signature_is_classified(signature: object, status: str) -> None:
    private = Ed25519PrivateKey.generate()
    body = rfc8785.dumps(RECORD)
    made = {
        "hmac": HmacSigner("k3y").sign(body),
        "ed25519": Ed25519Signer(private).sign(body),
        "other-ed25519": Ed25519Signer(Ed25519PrivateKey.generate()).sign(body),
        "tampered-ed25519": Ed25519Signer(private).sign(body + b" "),
    }
    field = made.get(signature, signature) if isinstance(signature, str) else signature
    assert keyring(private).check(field, body).status == status


def test_with_trusted_keys_only_their_signatures_count() -> None:
    private = Ed25519PrivateKey.generate()
    ident = key_id(private.public_key())
    strict = keyring(private, trusted_keys_set=True)
    assert strict.required and strict.trusts(SigCheck("valid", f"ed25519:{ident}"))
    assert not strict.trusts(SigCheck("valid", "hmac"))
    assert not strict.trusts(SigCheck("valid", "ed25519:0000000000000000"))
    assert strict.why_untrusted(SigCheck("valid", "hmac")).startswith("HMAC-signed: trusted_keys")
    assert strict.why_untrusted(SigCheck("none")) == "unsigned record (trusted_keys is set)"
    loose = keyring(private, require_signed=True)
    assert loose.trusts(SigCheck("valid", "hmac")) and not loose.trusts(SigCheck("unchecked"))
    assert not keyring(private).required


def test_require_signed_without_any_key_says_which_key_is_missing() -> None:
    assert Keyring(require_signed=True).missing_key() is not None
    assert "CLOSEOUT_SIGNING_KEY" in str(Keyring(require_signed=True).missing_key())
    assert Keyring(require_signed=True, hmac_key="k").missing_key() is None
    assert Keyring().missing_key() is None


def test_the_key_file_wins_over_the_hmac_key(tmp_path: Path) -> None:
    private = Ed25519PrivateKey.generate()
    (tmp_path / "ci.pem").write_bytes(pem_private(private))
    env = {"CLOSEOUT_SIGNING_KEY_FILE": str(tmp_path / "ci.pem"), "CLOSEOUT_SIGNING_KEY": "k"}
    signer = signer_from_env(env)
    assert isinstance(signer, Ed25519Signer) and signer.key_id == key_id(private.public_key())
    assert isinstance(signer_from_env({"CLOSEOUT_SIGNING_KEY": "k"}), HmacSigner)
    assert signer_from_env({}) is None


@pytest.mark.parametrize("content", ["missing", b"not a key", "rsa", "public"])
def test_a_bad_signing_key_file_is_a_usage_error_naming_it(tmp_path: Path, content: object) -> None:
    path = tmp_path / "ci.pem"
    if content == "rsa":
        rsa = generate_private_key(65537, 2048)
        path.write_bytes(
            rsa.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    elif content == "public":
        path.write_bytes(pem_public(Ed25519PrivateKey.generate()))
    elif isinstance(content, bytes):
        path.write_bytes(content)
    with pytest.raises(UsageError, match=r"CLOSEOUT_SIGNING_KEY_FILE=.*ci\.pem"):
        signer_from_env({"CLOSEOUT_SIGNING_KEY_FILE": str(path)})


def test_trusted_keys_are_read_from_the_project_and_a_bad_one_names_its_setting(
    tmp_path: Path,
) -> None:
    private = Ed25519PrivateKey.generate()
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "ci.pub").write_bytes(pem_public(private))
    (tmp_path / "pyproject.toml").write_text(
        '[tool.closeout]\nreports = "out"\ntrusted_keys = ["keys/ci.pub"]\n'
    )
    ring = keyring_for(load_project(tmp_path), None, None)
    assert ring.trusted == {key_id(private.public_key())} and ring.required
    (tmp_path / "pyproject.toml").write_text('[tool.closeout]\ntrusted_keys = ["keys/nope.pub"]\n')
    with pytest.raises(UsageError, match=r"pyproject.toml:2: \[tool.closeout\] trusted_keys: "):
        keyring_for(load_project(tmp_path), None, None)


def test_a_keyring_fingerprint_changes_with_any_key_or_policy() -> None:
    private = Ed25519PrivateKey.generate()
    prints = {
        keyring(private).fingerprint(),
        keyring(private, require_signed=True).fingerprint(),
        keyring(private, trusted_keys_set=True).fingerprint(),
        keyring(Ed25519PrivateKey.generate()).fingerprint(),
        Keyring(hmac_key="a").fingerprint(),
        Keyring(hmac_key="b").fingerprint(),
    }
    assert len(prints) == 6
    assert b"k3y" not in keyring(private).fingerprint()  # the secret itself is never in it

"""``closeout checkpoint`` and ``closeout reseal`` (SPEC §15): deletion-evident history, and
adopting signing on an archive that already has records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.conftest import SCENARIO, Write

from closeout.cli import main

pytestmark = pytest.mark.usefixtures("project_dir")


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out + err


def records(root: Path, kind: str) -> list[dict[str, object]]:
    folder = root / "reports" / "INC-1" / "evidence"
    found = [json.loads(p.read_bytes()) for p in sorted(folder.glob("[!.]*.json"))]
    return [r for r in found if r["type"] == kind]


@pytest.fixture
def keys(project_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A CI key pair: the private key signs (via the environment), ``keys/ci.pub`` checks."""
    private = Ed25519PrivateKey.generate()
    (project_dir / "keys").mkdir()
    pem = project_dir / "ci.pem"
    pem.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (project_dir / "keys" / "ci.pub").write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    monkeypatch.delenv("CLOSEOUT_SIGNING_KEY_FILE", raising=False)
    return pem


def closed_unsigned(capsys: pytest.CaptureFixture[str], write: Write) -> None:
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    assert cli(capsys, "run", "INC-1")[0] == 0
    assert cli(capsys, "close", "INC-1", "A1", "--by", "sam")[0] == 0


def state(capsys: pytest.CaptureFixture[str]) -> str:
    code, out = cli(capsys, "status", "--json")
    assert code == 0
    return str(json.loads(out[: out.rindex("]") + 1])[0]["state"])


def test_a_checkpoint_names_the_heads_so_deleting_the_last_closure_is_evident(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    closed_unsigned(capsys, write)
    [closure] = records(project_dir, "closure")
    closure_file = next((project_dir / "reports/INC-1/evidence").glob("*closure-A1*.json"))
    code, out = cli(capsys, "checkpoint")
    assert code == 0 and "INC-1: checkpoint names 1 record(s)" in out
    [checkpoint] = records(project_dir, "checkpoint")
    assert checkpoint["prev"] == [closure["sha256"]] and checkpoint["action"] == ""
    code, out = cli(capsys, "checkpoint", "INC-1")
    assert code == 0 and "nothing new since the last checkpoint" in out
    closure_file.unlink()
    code, out = cli(capsys, "verify")
    assert code == 1
    assert f"prev names {str(closure['sha256'])[:12]}, a record that is missing" in out
    assert state(capsys) == "verified"


def test_reseal_lets_an_archive_adopt_trusted_keys_without_losing_history(
    project_dir: Path,
    write: Write,
    capsys: pytest.CaptureFixture[str],
    keys: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    closed_unsigned(capsys, write)
    (project_dir / "pyproject.toml").write_text('[tool.closeout]\ntrusted_keys = ["keys/ci.pub"]\n')
    assert state(capsys) == "open"  # unsigned history counts for nothing now
    code, out = cli(capsys, "verify")
    assert code == 1 and out.count("unsigned record (trusted_keys is set)") == 2
    code, out = cli(capsys, "reseal", "--by", "release-eng")
    assert code == 2 and "CLOSEOUT_SIGNING_KEY_FILE" in out
    monkeypatch.setenv("CLOSEOUT_SIGNING_KEY_FILE", str(keys))
    code, out = cli(capsys, "reseal", "--by", "release-eng", "--note", "adopting Ed25519")
    assert code == 0 and "INC-1: reseal attests 2 record(s)" in out
    [reseal] = records(project_dir, "reseal")
    shas = sorted(
        str(r["sha256"]) for r in records(project_dir, "run") + records(project_dir, "closure")
    )
    assert reseal["attests"] == shas and reseal["signature"]["alg"] == "ed25519"  # type: ignore[index]
    assert cli(capsys, "verify")[0] == 0
    assert state(capsys) == "closed"
    code, out = cli(capsys, "reseal", "--by", "release-eng")
    assert code == 0 and "every record is signed or attested already" in out
    # A record attested, then altered, is named like any other.
    run_file = next((project_dir / "reports/INC-1/evidence").glob("*-a1-*.json"))
    run_file.write_text(run_file.read_text().replace('"pass"', '"fail"', 1))
    code, out = cli(capsys, "verify")
    assert code == 1 and "attests" in out and "which was altered" in out


def test_reseal_refuses_a_key_the_project_does_not_trust(
    project_dir: Path,
    write: Write,
    capsys: pytest.CaptureFixture[str],
    keys: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    closed_unsigned(capsys, write)
    (project_dir / "pyproject.toml").write_text('[tool.closeout]\ntrusted_keys = ["keys/ci.pub"]\n')
    monkeypatch.setenv("CLOSEOUT_SIGNING_KEY", "shared-secret")
    code, out = cli(capsys, "reseal", "--by", "x")
    assert code == 2 and "not in [tool.closeout] trusted_keys" in out
    assert records(project_dir, "reseal") == []


def test_reseal_never_vouches_for_an_altered_record(
    project_dir: Path,
    write: Write,
    capsys: pytest.CaptureFixture[str],
    keys: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    closed_unsigned(capsys, write)
    run_file = next((project_dir / "reports/INC-1/evidence").glob("*-a1-*.json"))
    run_file.write_text(run_file.read_text().replace('"pass"', '"fail"', 1))
    monkeypatch.setenv("CLOSEOUT_SIGNING_KEY_FILE", str(keys))
    code, out = cli(capsys, "reseal", "--by", "x")
    assert code == 0 and "nothing written" in out  # the closure rests on the altered run
    assert records(project_dir, "reseal") == []


def test_the_reseal_help_explains_how_to_adopt_signing(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["reseal", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "CLOSEOUT_SIGNING_KEY_FILE" in text and "docs/signing.md" in text
    assert "closeout verify" in text

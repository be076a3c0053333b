"""The evidence corpus: every broken record or setting is named by ``closeout verify``.

Each folder of ``tests/corpus/_evidence/`` is a tiny project whose evidence holds exactly
one mistake (made by ``scripts/make_evidence_corpus.py``); ``manifest.toml`` names, per
case, the file ``verify`` must blame and a pattern its message must match (written by hand).
For every case ``verify`` exits 1 naming that file, ``status`` still answers (exit 0, no
traceback, no hang) and says on standard error that evidence counts for nothing, and the
record named never reaches state.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from closeout.cli import main

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "_evidence"
with (CORPUS / "manifest.toml").open("rb") as handle:
    CASES: dict[str, dict[str, Any]] = tomllib.load(handle)


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    signal.signal(signal.SIGALRM, lambda *_: pytest.fail("closeout blocked on a file"))
    signal.alarm(60)
    yield
    signal.alarm(0)


def project(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / name
    shutil.copytree(CORPUS / name, root, symlinks=True)
    if CASES[name].get("fifo"):
        os.mkfifo(root / CASES[name]["file"])
    monkeypatch.chdir(root)
    for variable in ("CLOSEOUT_SIGNING_KEY", "CLOSEOUT_SIGNING_KEY_FILE", "CLOSEOUT_ROOT"):
        monkeypatch.delenv(variable, raising=False)
    return root


def test_the_manifest_lists_every_case() -> None:
    on_disk = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
    assert on_disk == sorted(CASES) and len(CASES) >= 15


@pytest.mark.parametrize("name", sorted(CASES))
def test_verify_names_the_broken_file(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    case = CASES[name]
    project(name, tmp_path, monkeypatch)
    code = main(["verify"])
    text = "".join(capsys.readouterr())
    assert "Traceback" not in text, text
    assert code == 1, f"{name} ({case['why']}): exit {code}\n{text}"
    where = f"{case['file']}:{case['line']}" if "line" in case else case["file"]
    lines = [line[len(where) + 2 :] for line in text.splitlines() if line.startswith(f"{where}: ")]
    assert any(re.search(case["message"], line) for line in lines), (
        f"{name} ({case['why']}): no '{where}: /{case['message']}/' in\n{text}"
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_status_answers_and_never_counts_the_broken_file(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    case = CASES[name]
    project(name, tmp_path, monkeypatch)
    code = main(["status", "--json"])
    out, err = capsys.readouterr()
    assert code == 0 and "Traceback" not in out + err, out + err
    assert "closeout: " in err, f"{name}: status was silent about its evidence"
    assert Path(case["file"]).name not in out

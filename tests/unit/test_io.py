"""The one atomic writer: modes under the umask, nothing left behind, where a write failed."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from closeout import _io, evidence
from closeout.kinds._toolkit.svg import write_svg
from closeout.project import Project
from closeout.reports.write import write_text
from closeout.store import load_summaries


@pytest.fixture
def umask() -> Iterator[None]:
    """Run under umask 022 (the usual one), whatever the caller's is."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_records_artifacts_pages_and_caches_are_readable_by_others(
    tmp_path: Path, umask: None
) -> None:
    project = Project(root=tmp_path)
    record = evidence.envelope(project, "run", "INC-1", "A1")
    record_file = evidence.write_record(project, record, "s")
    chart = tmp_path / "reports" / "INC-1" / "artifacts" / "c.svg"
    write_svg(chart, "<svg/>")
    page = tmp_path / "site" / "index.html"
    write_text(page, "<p>é</p>\n")
    load_summaries(project, "INC-1")
    index = record_file.parent / ".index.json"
    assert [mode(p) for p in (record_file, chart, page, index)] == [0o644] * 4
    assert page.read_bytes() == "<p>é</p>\n".encode()


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_the_mode_is_0666_under_the_umask(tmp_path: Path, mask: int, expected: int) -> None:
    old = os.umask(mask)
    try:
        _io.write_bytes(tmp_path / "f.json", b"{}")
    finally:
        os.umask(old)
    assert mode(tmp_path / "f.json") == expected


def test_a_rewrite_replaces_the_file_and_its_mode(tmp_path: Path, umask: None) -> None:
    target = tmp_path / "page.html"
    target.write_text("old")
    target.chmod(0o600)
    _io.write_text(target, "new", durable=False)
    assert (target.read_text(), mode(target)) == ("new", 0o644)
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


@pytest.mark.parametrize(("durable", "syncs"), [(True, 1), (False, 0)])
def test_only_a_durable_write_waits_for_the_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, durable: bool, syncs: int
) -> None:
    calls: list[int] = []
    monkeypatch.setattr(os, "fsync", calls.append)
    _io.write_bytes(tmp_path / "f", b"x", durable=durable)
    assert len(calls) == syncs


def test_a_failed_rename_leaves_nothing_and_says_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(src: str, dst: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(_io.AtomicWriteError) as caught:
        _io.write_bytes(tmp_path / "f.json", b"{}")
    assert (caught.value.stage, caught.value.errno) == ("write", errno.ENOSPC)
    assert str(caught.value) == "[Errno 28] No space left on device"
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_write_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _io.write_bytes(tmp_path / "f.json", b"{}")
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_cannot_be_made_is_the_folder_stage(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(_io.AtomicWriteError) as caught:
        _io.write_bytes(tmp_path / "file" / "f.json", b"{}")
    assert caught.value.stage == "folder" and isinstance(caught.value, OSError)
    assert caught.value.filename == str(tmp_path / "file")


def test_a_temporary_file_that_cannot_be_made_is_the_create_stage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(path: object, flags: int, mode: int = 0o777) -> int:
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(os, "open", refused)
    with pytest.raises(_io.AtomicWriteError) as caught:
        _io.write_bytes(tmp_path / "f.json", b"{}")
    assert (caught.value.stage, caught.value.strerror) == ("create", "Permission denied")


def test_evidence_errors_keep_their_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = Project(root=tmp_path)
    record = evidence.envelope(project, "run", "INC-1", "A1", datetime(2026, 1, 1, tzinfo=UTC))
    (tmp_path / "reports").write_text("")
    with pytest.raises(evidence.EvidenceWriteError, match=r"^cannot create .*INC-1/evidence: "):
        evidence.write_record(project, record, "s")
    (tmp_path / "reports").unlink()

    def refused(path: object, flags: int, mode: int = 0o777) -> int:
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(os, "open", refused)
    with pytest.raises(
        evidence.EvidenceWriteError,
        match=r"^cannot write evidence in .*INC-1/evidence: Permission denied$",
    ):
        evidence.write_record(project, record, "s")


def test_temporary_names_are_hidden_from_readers(tmp_path: Path) -> None:
    handle, temp = _io._create_temp(tmp_path / "r.json", 0o666)
    os.close(handle)
    assert temp.name.startswith(".tmp-") and temp.suffix == ".json"

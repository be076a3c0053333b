"""The one trust decision (closeout.trust): what one file is, what counts, and the index."""

from __future__ import annotations

import json
import os
import shutil
import signal
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from closeout import evidence
from closeout._time import iso_z, utc_now
from closeout.lifecycle import Archive
from closeout.project import Project
from closeout.signing import Keyring
from closeout.store import load_summaries
from closeout.trust import index
from closeout.trust.files import list_folder
from closeout.trust.read import read_incident

NOW = utc_now().replace(microsecond=0)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(root=tmp_path)


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    """A reader that blocks on a FIFO must fail the test, not hang it."""
    signal.signal(signal.SIGALRM, lambda *_: pytest.fail("blocked (a FIFO was opened?)"))
    signal.alarm(60)
    yield
    signal.alarm(0)


def run(project: Project, verdict: str = "pass", moment: Any = None, **fields: Any) -> Path:
    record = evidence.envelope(project, "run", "INC-1", "A1", moment or NOW)
    record |= {"scenario": "a1", "kind": "threshold", "verdict": verdict} | fields
    return evidence.write_record(project, record, "a1", key="")


def closure(project: Project, runs: list[str], action: str = "A1") -> Path:
    record = evidence.envelope(project, "closure", "INC-1", action, NOW + timedelta(seconds=1))
    record |= {"by": "sam", "note": None, "runs": runs}
    return evidence.write_record(project, record, f"closure-{action}", key="")


def decided(project: Project, keyring: Keyring | None = None, now: Any = None) -> Any:
    folder = project.reports_dir / "INC-1" / "evidence"
    return read_incident(folder, "INC-1", keyring or Keyring(), now or NOW, use_index=False)


def problems(project: Project, **kwargs: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for finding in decided(project, **kwargs).findings:
        found.setdefault(finding.file, []).append(finding.problem)
    return found


def test_a_record_written_by_closeout_counts(project: Project) -> None:
    path = run(project)
    result = decided(project)
    assert [s.file for s in result.accepted] == [path.name] and result.findings == []


def test_a_copy_under_another_name_counts_once(project: Project) -> None:
    path = run(project)
    copy = path.with_name(path.name.replace("-a1-", "-again-"))
    shutil.copy(path, copy)
    result = decided(project)
    assert len(result.accepted) == 1
    assert problems(project) == {
        copy.name: [f"the same record as {path.name} (a copy under another name counts once)"]
    }


def test_a_renamed_record_or_one_in_another_incidents_folder_counts_for_nothing(
    project: Project,
) -> None:
    path = run(project)
    renamed = path.with_name("20200101T000000Z-a1-00000000.json")
    path.rename(renamed)
    assert problems(project)[renamed.name] == [
        "file name does not match the record's time and id (renamed or replayed)"
    ]
    other = project.reports_dir / "INC-2" / "evidence"
    other.mkdir(parents=True)
    path = run(project)
    shutil.move(path, other / path.name)
    found = read_incident(other, "INC-2", Keyring(), NOW, use_index=False)
    assert found.accepted == []
    assert [f.problem for f in found.findings] == [
        "names incident 'INC-1' but is stored in the evidence of INC-2 (copied or moved)"
    ]


def test_a_record_dated_after_the_time_of_reading_counts_for_nothing(project: Project) -> None:
    """B4: a clock a day ahead must not make one record the latest for a day."""
    later = run(project, moment=NOW + timedelta(days=1))
    within = run(project, moment=NOW + timedelta(minutes=4))
    result = decided(project)
    assert [s.file for s in result.accepted] == [within.name]
    [problem] = problems(project)[later.name]
    assert problem.startswith(f"dated {iso_z(NOW + timedelta(days=1))}, after the time of reading")
    assert "5m clock-skew allowance" in problem
    assert [s.file for s in decided(project, now=NOW + timedelta(days=1)).accepted] == [
        within.name,
        later.name,
    ]


def test_a_closure_counts_only_on_runs_that_count_pass_and_are_its_actions(
    project: Project,
) -> None:
    passed = json.loads(run(project).read_bytes())["sha256"]
    failed = json.loads(run(project, "fail").read_bytes())["sha256"]
    empty, on_fail = closure(project, []), closure(project, [failed])
    other, missing = closure(project, [passed], "A2"), closure(project, ["ab" * 32])
    good = closure(project, [passed])
    found = problems(project)
    assert found[empty.name] == ["closure rests on no run"]
    assert found[on_fail.name] == ["closure rests on a run that did not pass (a1: fail)"]
    assert found[other.name] == ["closure rests on a run of another action (A1)"]
    assert found[missing.name] == [f"closure rests on a missing run {'ab' * 6}"]
    assert good.name not in found
    accepted = [s.file for s in decided(project).accepted if s.type == "closure"]
    assert accepted == [good.name]


def test_a_deleted_or_altered_record_that_a_later_one_named_is_reported(
    project: Project,
) -> None:
    first, second, third, fourth = (run(project) for _ in range(4))
    first_sha = json.loads(first.read_bytes())["sha256"]
    third_sha = json.loads(third.read_bytes())["sha256"]
    first.unlink()
    third.write_text(third.read_text().replace('"pass"', '"fail"'))
    assert problems(project) == {
        second.name: [f"prev names {first_sha[:12]}, a record that is missing"],
        third.name: ["sha256 does not match the record's content (modified)"],
        fourth.name: [f"prev names {third_sha[:12]}, which was altered ({third.name})"],
    }


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"runs": [123]}, "malformed closure record: runs.0: Input should be a valid string"),
        ({"started_at": "zzz"}, "malformed closure record: started_at: Value error, not an ISO"),
        ({"verdict": ["pass"]}, None),  # a closure keeps unknown keys: only runs are checked
    ],
)
def test_a_sealed_but_malformed_record_is_named_and_counts_for_nothing(
    project: Project, fields: dict[str, Any], problem: str | None
) -> None:
    """B14: sealed records of the wrong shape never crash a reader."""
    record = evidence.envelope(project, "closure", "INC-1", "A1", NOW) | {"runs": []} | fields
    sealed = evidence.seal(record | {"prev": []}, key="")
    folder = project.reports_dir / "INC-1" / "evidence"
    folder.mkdir(parents=True)
    name = f"{NOW:%Y%m%dT%H%M%SZ}-c-{sealed['id'].replace('-', '')[:8]}.json"
    if fields.get("started_at") == "zzz":
        name = f"zzz-c-{sealed['id'].replace('-', '')[:8]}.json"
    (folder / name).write_bytes(evidence.render(sealed))
    found = problems(project).get(name, [])
    assert decided(project).accepted == []
    if problem is None:
        assert found == ["closure rests on no run"]
    else:
        assert len(found) == 1 and found[0].startswith(problem)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_a_directory_or_a_link_named_like_a_record_is_never_opened(
    project: Project,
) -> None:
    """B13: verify and status must neither hang nor crash on these."""
    path = run(project)
    folder = path.parent
    os.mkfifo(folder / "fifo.json")
    (folder / "dir.json").mkdir()
    (folder / "zero.json").symlink_to("/dev/zero")
    (folder / "link.json").symlink_to(path)
    kinds = {item.name: item.kind for item in list_folder(folder)}
    assert kinds == {
        "dir.json": "directory",
        "fifo.json": "FIFO",
        "link.json": "symbolic link",
        "zero.json": "symbolic link",
        path.name: "regular file",
    }
    found = problems(project)
    assert found["fifo.json"] == ["not a regular file (FIFO) named like a record"]
    assert found["dir.json"] == ["not a regular file (directory) named like a record"]
    assert [s.file for s in load_summaries(project, "INC-1")] == [path.name]


def test_an_unreadable_record_is_named_not_a_traceback(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """B6: a file of mode 0600 written by another user."""
    path = run(project)

    def denied(*_: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "open", denied)
    assert problems(project) == {path.name: ["cannot read: Permission denied"]}


# --------------------------------------------------------------------------- the index


def with_index(project: Project, keyring: Keyring | None = None) -> Any:
    folder = project.reports_dir / "INC-1" / "evidence"
    return read_incident(folder, "INC-1", keyring or Keyring(), NOW)


def test_the_index_is_authenticated_so_a_forged_one_is_rebuilt(project: Project) -> None:
    """B1: an index claiming an unsigned record is signed must not decide anything."""
    path = run(project)
    strict = Keyring(require_signed=True, hmac_key="k3y")
    assert with_index(project, strict).accepted == []
    index_file = path.parent / index.INDEX_FILE
    mac, _, payload = index_file.read_bytes().partition(b"\n")
    forged = payload.replace(b"none", b"valid")  # the marshalled signature status
    assert forged != payload
    for data in (mac + b"\n" + forged, b"0" * 64 + b"\n" + forged, b"garbage"):
        index_file.write_bytes(data)
        assert with_index(project, strict).accepted == []
    assert index.load(path.parent, strict) != {}  # rebuilt, and authentic again


def test_an_index_made_under_other_keys_or_elsewhere_is_not_used(
    project: Project, tmp_path: Path
) -> None:
    path = run(project)
    with_index(project)
    assert index.load(path.parent, Keyring()) != {}
    assert index.load(path.parent, Keyring(require_signed=True)) == {}
    elsewhere = tmp_path / "copy"
    shutil.copytree(path.parent, elsewhere)
    assert index.load(elsewhere, Keyring()) == {}


def test_a_file_changed_behind_the_index_is_judged_again(project: Project) -> None:
    """Same size and modification time, new bytes: the change time gives it away."""
    path = run(project)
    assert len(with_index(project).accepted) == 1
    stat = path.stat()
    path.write_bytes(path.read_bytes().replace(b'"pass"', b'"fail"'))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    result = with_index(project)
    assert result.accepted == []
    assert [f.problem for f in result.findings] == [
        "sha256 does not match the record's content (modified)"
    ]


def test_without_a_key_for_it_the_index_is_neither_read_nor_written(
    project: Project, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    index.local_key.cache_clear()
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    try:
        path = run(project)
        assert len(with_index(project).accepted) == 1
        assert not (path.parent / index.INDEX_FILE).exists()
    finally:
        index.local_key.cache_clear()


def test_the_status_of_an_archive_agrees_with_verify(project: Project) -> None:
    path = run(project)
    run(project, moment=NOW + timedelta(days=2))
    archive = Archive(project, clock=lambda: NOW, key="")
    assert [s.file for s in archive.summaries("INC-1")] == [path.name]
    assert archive.problems() == {"INC-1": (1, 0)}

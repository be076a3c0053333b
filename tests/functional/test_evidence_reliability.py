"""Evidence under stress: concurrent writers, a killed writer, a full disk, tampering."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from closeout import evidence
from closeout.lifecycle import statuses
from closeout.models.records import MalformedRecordError, parse_record
from closeout.project import Project
from closeout.state import STATES
from closeout.store import load_summaries
from closeout.verify import verify

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from closeout import evidence
    from closeout.project import Project

    project = Project(root=Path(sys.argv[1]))
    for index in range(int(sys.argv[2])):
        record = evidence.envelope(project, "run", "INC-1", "A1")
        record.update({"scenario": f"w{sys.argv[3]}", "kind": "threshold", "verdict": "pass",
                       "metrics": {"index": index}})
        evidence.write_record(project, record, f"w{sys.argv[3]}")
    """
)


def test_four_concurrent_writers_lose_nothing_and_every_record_verifies(tmp_path: Path) -> None:
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    writers = [
        subprocess.Popen([sys.executable, str(script), str(tmp_path), "60", str(n)])
        for n in range(4)
    ]
    assert [w.wait(timeout=120) for w in writers] == [0, 0, 0, 0]
    project = Project(root=tmp_path)
    summaries = load_summaries(project, "INC-1")
    assert len(summaries) == 240
    assert sorted({s.scenario for s in summaries}) == ["w0", "w1", "w2", "w3"]
    report = verify(project)
    assert (report.checked, report.findings) == (240, [])


KILLED = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from closeout import evidence
    from closeout.project import Project

    def stall(fd):
        Path(sys.argv[2]).write_text("mid-write")
        time.sleep(60)

    os.fsync = stall
    project = Project(root=Path(sys.argv[1]))
    record = evidence.envelope(project, "run", "INC-1", "A1")
    record.update({"scenario": "s", "metrics": {"blob": "x" * 200000}})
    evidence.write_record(project, record, "s")
    """
)


def test_a_writer_killed_mid_write_leaves_no_visible_record(tmp_path: Path) -> None:
    script, marker = tmp_path / "killed.py", tmp_path / "marker"
    script.write_text(KILLED)
    writer = subprocess.Popen([sys.executable, str(script), str(tmp_path), str(marker)])
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the writer never reached the write"
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=30)
    folder = tmp_path / "reports" / "INC-1" / "evidence"
    assert [p.name for p in folder.iterdir() if not p.name.startswith(".")] == []
    project = Project(root=tmp_path)
    assert load_summaries(project, "INC-1") == []
    assert verify(project).findings == []


def test_a_full_disk_gives_a_clear_error_and_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = Project(root=tmp_path)
    record = evidence.envelope(project, "run", "INC-1", "A1")
    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, stream: object) -> None:
            self.stream = stream

        def __enter__(self) -> FullDisk:
            return self

        def __exit__(self, *exc: object) -> None:
            self.stream.close()  # type: ignore[attr-defined]

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fdopen", lambda fd, mode: FullDisk(real_fdopen(fd, mode)))
    with pytest.raises(evidence.EvidenceWriteError, match="No space left on device"):
        evidence.write_record(project, record, "s")
    assert list((tmp_path / "reports" / "INC-1" / "evidence").iterdir()) == []


@pytest.fixture(scope="module")
def sealed_record(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Path, bytes]:
    root = tmp_path_factory.mktemp("sealed")
    project = Project(root=root)
    record = evidence.envelope(project, "run", "INC-1", "A1")
    record.update(
        {
            "scenario": "s",
            "kind": "threshold",
            "verdict": "pass",
            "seed": 7,
            "metrics": {"score": 0.25, "note": "détecté"},
            "expectations": [],
        }
    )
    path = evidence.write_record(project, record, "s")
    return project, path, path.read_bytes()


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_every_single_byte_modification_is_caught(
    sealed_record: tuple[Project, Path, bytes], data: st.DataObject
) -> None:
    project, path, original = sealed_record
    index = data.draw(st.integers(0, len(original) - 1), label="index")
    value = data.draw(st.integers(0, 255).filter(lambda b: b != original[index]), label="byte")
    modified = original[:index] + bytes([value]) + original[index + 1 :]
    try:
        path.write_bytes(modified)
        assert verify(project).findings, f"byte {index} -> {value} went unnoticed"
    finally:
        path.write_bytes(original)
    assert verify(project).findings == []


@pytest.mark.parametrize("keep", [0, 1, 100, -2])
def test_a_truncated_record_is_named_by_verify(
    sealed_record: tuple[Project, Path, bytes], keep: int
) -> None:
    project, path, original = sealed_record
    try:
        path.write_bytes(original[:keep])
        [finding] = verify(project).findings
        assert finding.path.endswith(path.name) and "not valid JSON" in finding.problem
    finally:
        path.write_bytes(original)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)
FIELDS = [
    "type", "action", "scenario", "kind", "verdict", "before_verdict", "discriminating",
    "trigger", "inputs", "expectations", "metrics", "started_at", "started_at_us", "runs",
    "run", "by", "environment", "git", "schema",
]  # fmt: skip


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    record_type=st.sampled_from(["run", "closure", "waiver", "recurrence", "checkpoint", "note"]),
    fields=st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=4),
)
def test_a_sealed_record_of_any_shape_is_reported_never_a_traceback(
    project_dir: Path, record_type: str, fields: dict[str, object]
) -> None:
    project = Project(root=project_dir)
    record = evidence.envelope(project, record_type, "INC-1", "A1") | {"scenario": "a1"}
    record |= {"prev": []} | fields
    try:
        sealed = evidence.seal(record, key="")
    except ValueError:  # no RFC 8785 form (an integer beyond 2**53): a forger's record
        sealed = record | {"sha256": "0" * 64, "signature": None}
    folder = project_dir / "reports" / "INC-1" / "evidence"
    folder.mkdir(parents=True, exist_ok=True)
    started, ident = sealed.get("started_at"), sealed.get("id")
    name = "r.json"
    if isinstance(started, str) and isinstance(ident, str) and "/" not in started + ident:
        name = evidence.record_path(
            project, {"started_at": started, "id": ident, "incident": "INC-1"}, "r"
        ).name
    path = folder / name
    path.write_bytes(evidence.render(sealed))
    try:
        parse_record(sealed)
    except MalformedRecordError:
        fits = False
    else:
        fits = True
    try:
        report = verify(project)
        named = [f.problem for f in report.findings if f.path.endswith(path.name)]
        assert len([p for p in named if p.startswith("malformed")]) == (0 if fits else 1)
        # The one trust decision: the record counts for state exactly when verify accepts it.
        counted = [s.file for s in load_summaries(project, "INC-1")]
        assert counted == ([] if named else [path.name]), named
        assert report.counted == len(counted)
        [status] = statuses(project)
        assert status.state in STATES
    finally:
        path.unlink()

"""Every state that is not final names the command that moves the action on (issue 15);
data paths are fingerprinted the same way at run time and at status time (issue 13); and a
kind's word on what a run resolved makes its evidence stale (issue 16)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from tests.unit.test_state import other, postmortem, run, status_of

from closeout.project import Project
from closeout.state import ScenarioInfo, next_step
from closeout.store import InputHashes, data_sha256

FRESH = "2026-05-30T00:00:00Z"
CLOSED_AT = "2026-05-30T01:00:00Z"
LATER = "2026-05-31T00:00:00Z"
RUN = "closeout run INC-1/A1"
WITH_BEFORE = ScenarioInfo("s1", "A1", "scenarios/INC-1/s1.yaml", True, False)
NO_BEFORE = ScenarioInfo("s1", "A1", "scenarios/INC-1/s1.yaml", False, False)


@pytest.mark.parametrize(
    ("records", "scenarios", "state", "step"),
    [
        ([], [WITH_BEFORE], "open", RUN),
        ([run(FRESH, before=None)], [WITH_BEFORE], "open", RUN),
        (
            [],
            [],
            "open",
            "add a scenario for A1 in scenarios/INC-1/, or "
            "closeout waive INC-1 A1 --by WHO --reason TEXT",
        ),
        (
            [run(FRESH, before=None)],
            [NO_BEFORE],
            "open",
            f"add `before` (or `before_unavailable`) to scenario s1, then {RUN}",
        ),
        (
            [run(FRESH, before="pass")],
            [WITH_BEFORE],
            "open",
            f"make scenario s1's pre-fix state fail, then {RUN}",
        ),
        (
            [run(FRESH, before="error")],
            [WITH_BEFORE],
            "open",
            f"fix scenario s1's pre-fix state, then {RUN}",
        ),
        (
            [run(FRESH, verdict="fail")],
            [WITH_BEFORE],
            "failing",
            f"fix what fails (see its evidence), then {RUN}",
        ),
        ([run(FRESH)], [WITH_BEFORE], "verified", "closeout close INC-1 A1 --by WHO"),
        ([run("2026-01-01T00:00:00Z")], [WITH_BEFORE], "stale", RUN),
        (
            [run(FRESH), other("closure", CLOSED_AT), run(LATER, verdict="error", before=None)],
            [WITH_BEFORE],
            "regressed",
            f"fix what fails (see its evidence), then {RUN}",
        ),
        ([run(FRESH), other("closure", CLOSED_AT)], [WITH_BEFORE], "closed", None),
        ([other("waiver", FRESH)], [], "waived", None),
    ],
)
def test_each_state_names_its_next_step(
    records: list[Any], scenarios: list[ScenarioInfo], state: str, step: str | None
) -> None:
    status = status_of(records, scenarios=scenarios)
    assert status.state == state
    assert next_step(status) == step


def test_twin_scenario_names_ask_for_a_rename_first() -> None:
    twins = [WITH_BEFORE, replace(WITH_BEFORE, path="scenarios/INC-1/s1-copy.yaml")]
    status = status_of([], scenarios=twins)
    assert next_step(status) == f"rename one of the scenarios named 's1', then {RUN}"


def test_not_doing_has_no_next_step() -> None:
    status = status_of([], pm=postmortem(status="not_doing", rationale="superseded"))
    assert (status.state, next_step(status)) == ("not_doing", None)


def test_the_by_value_fills_the_close_command() -> None:
    status = status_of([run(FRESH)], scenarios=[WITH_BEFORE])
    assert next_step(status, by="'Sam Lee'") == "closeout close INC-1 A1 --by 'Sam Lee'"


# --------------------------------------------------------------------------- fingerprints


def manifest(root: Path, files: list[str]) -> str:
    """The ``sha256sum`` manifest digest, computed here independently."""
    lines = "".join(
        f"{hashlib.sha256((root / f).read_bytes()).hexdigest()}  {f}\n"
        for f in sorted(files, key=str.encode)
    )
    return hashlib.sha256(lines.encode()).hexdigest()


def test_a_folder_and_a_glob_digest_their_parquet_files_only(tmp_path: Path) -> None:
    project = Project(root=tmp_path)
    for name in ("d/k=1/a.parquet", "d/k=2/b.parquet", "d/k=2/B.pq", "d/_SUCCESS", "d/.x.crc"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(name.encode())
    data = ["d/k=1/a.parquet", "d/k=2/B.pq", "d/k=2/b.parquet"]
    assert data_sha256(project, "d") == manifest(tmp_path, data)
    assert data_sha256(project, "d/*/*.parquet") == manifest(tmp_path, data[::2])
    assert data_sha256(project, "d/k=1/a.parquet") == hashlib.sha256(b"d/k=1/a.parquet").hexdigest()
    assert data_sha256(project, "d/none-*.parquet") is None
    assert data_sha256(project, "missing.csv") is None
    assert data_sha256(project, "../outside.csv") is None


def test_a_path_missing_then_and_now_has_not_changed(tmp_path: Path) -> None:
    hashes = InputHashes(Project(root=tmp_path))
    assert hashes.changed({"gone.csv": "missing"}) == []
    (tmp_path / "gone.csv").write_text("x")
    assert InputHashes(Project(root=tmp_path)).changed({"gone.csv": "missing"}) == ["gone.csv"]


class _Resolver:
    def __init__(self, answer: list[str]) -> None:
        self.answer = answer
        self.asked: list[Mapping[str, Any]] = []

    def changed_inputs(self, resolved: Mapping[str, Any], project: Project) -> list[str]:
        self.asked.append(resolved)
        return self.answer


def test_a_kinds_word_on_resolved_inputs_makes_evidence_stale_and_is_asked_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kind = _Resolver(["the model m changed"])
    monkeypatch.setattr("closeout.store.find_kind", lambda name: kind)
    entry = {"m": {"kind": "mlflow", "version": "1"}}
    records = [
        replace(run(FRESH), resolved=entry),
        replace(run(LATER, before=None), resolved=entry),
    ]
    status = status_of(records, scenarios=[WITH_BEFORE])
    assert status.state == "stale"
    assert status.reasons == [
        f"s1: stale: the model m changed since {records[0].file}",  # the proof
        f"s1: stale: the model m changed since {records[1].file}",  # the latest run
    ]
    assert kind.asked == [entry]  # the same entry, asked of the kind once


def test_a_kind_that_cannot_tell_or_raises_leaves_the_evidence_fresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Broken(_Resolver):
        def changed_inputs(self, resolved: Mapping[str, Any], project: Project) -> list[str]:
            raise RuntimeError("registry down")

    record = replace(run(FRESH), resolved={"m": {"kind": "mlflow"}})
    for kind in (object(), Broken([]), None):
        monkeypatch.setattr("closeout.store.find_kind", lambda name, kind=kind: kind)
        assert status_of([record], scenarios=[WITH_BEFORE]).state == "verified"


def test_a_file_whose_name_looks_like_a_glob_is_hashed_as_a_file(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "page[id].py").write_text("x = 1\n")
    digest = hashlib.sha256(b"x = 1\n").hexdigest()
    assert data_sha256(Project(root=tmp_path), "src/page[id].py") == digest

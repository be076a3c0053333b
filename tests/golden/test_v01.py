"""Records written by closeout v0.1 (commit 30eef4f) under today's code.

``v01/project`` is a small project run with the v0.1 command line (see ``v01/README.md``):
one run per kind, a Python test, a closure, a waiver, a recurrence, a vacuous, a failing, a
non-discriminating and a stale scenario, a run with non-finite metrics and a signed run.
``v01/malformed`` holds records v0.1's own ``seal`` sealed although their content does not
fit a record. ``expected_*.json`` are what v0.1 derived from the project.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from closeout import evidence
from closeout._numbers import decode_number
from closeout.lifecycle import Archive, close_in, recur_in, waive_in
from closeout.loader import load_scenario
from closeout.models.canonical import canonical_bytes, parse_json, render, verify_sha256
from closeout.models.records import (
    ClosureRecord,
    Inputs,
    Record,
    RecurrenceRecord,
    RunRecord,
    WaiverRecord,
    parse_record,
)
from closeout.project import Project
from closeout.runner import run_loaded
from closeout.store import incidents_with_evidence, load_summaries
from closeout.verify import verify_in

V01 = Path(__file__).parent / "v01"
RECORDS = sorted((V01 / "project" / "reports").glob("*/evidence/*.json"))
MALFORMED = sorted((V01 / "malformed").glob("*.json"))
SIGNED = "20261201T145516Z-signed-b6874927.json"
KEY = "golden-key"  # the key v0.1 signed SIGNED with
MODELS = {"run": RunRecord, "closure": ClosureRecord, "waiver": WaiverRecord}
MODELS["recurrence"] = RecurrenceRecord


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A copy of the golden project: reading evidence writes index caches beside it."""
    root = tmp_path / "project"
    shutil.copytree(V01 / "project", root)
    return Project(root=root)


def test_the_golden_set_has_every_record_type_and_kind() -> None:
    records = [json.loads(path.read_bytes()) for path in RECORDS]
    assert {r["type"] for r in records} == {"run", "closure", "waiver", "recurrence"}
    kinds = {r["kind"] for r in records if r["type"] == "run"}
    assert kinds == {"threshold", "drift_replay", "shadow", "synthetic", "pytest"}


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.name)
def test_a_v01_record_round_trips_through_its_model_to_the_same_bytes(path: Path) -> None:
    raw = path.read_bytes()
    content = parse_json(raw)
    record = parse_record(content)
    assert type(record) is MODELS[content["type"]]
    assert record.body() == content
    assert render(record.body()) == raw
    assert canonical_bytes(record.body()) == canonical_bytes(content)
    assert verify_sha256(record.body())
    assert parse_record(record.body()) == record


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.name)
def test_a_v01_record_written_again_by_todays_writer_is_byte_identical(
    path: Path, tmp_path: Path
) -> None:
    raw = path.read_bytes()
    content = parse_json(raw)
    unsealed = {k: v for k, v in content.items() if k not in ("sha256", "signature")}
    project = Project(root=tmp_path)
    key = KEY if path.name == SIGNED else ""
    written = evidence.write_record(project, parse_record(unsealed), "again", key=key)
    assert written.read_bytes() == raw


def test_every_v01_record_verifies(project: Project) -> None:
    report = verify_in(Archive(project, key=""))
    assert (report.checked, report.findings) == (len(RECORDS), [])
    assert verify_in(Archive(project, key=KEY)).findings == []


def test_a_wrong_key_fails_only_the_signed_record(project: Project) -> None:
    [finding] = verify_in(Archive(project, key="not-the-key")).findings
    assert finding.path.endswith(SIGNED) and finding.problem == "bad signature"


_V01_TEST_LABEL = "checks_test_guard.py__test_join_keeps_every_row"
_V01_TEST_NODE = "checks/test_guard.py::test_join_keeps_every_row"


def test_state_derived_from_v01_records_is_unchanged(project: Project) -> None:
    # v0.1 named a Python test by a file-safe label; state now follows its node id (the name
    # its record kept for its expectation), so the same statuses name it that way.
    text = (V01 / "expected_status.json").read_text()
    for quoted in (f'"{_V01_TEST_LABEL}"', f'"{_V01_TEST_LABEL}: '):  # a key, a reason
        text = text.replace(quoted, quoted.replace(_V01_TEST_LABEL, _V01_TEST_NODE))
    expected = json.loads(text)
    for clock in expected.values():
        archive = Archive(project, clock=lambda clock=clock: moment(clock["now"]), key="")
        assert [s.as_json() for s in archive.statuses()] == clock["statuses"]


def test_summaries_of_v01_records_are_unchanged(project: Project) -> None:
    expected = json.loads((V01 / "expected_summaries.json").read_text())
    for summaries in expected.values():
        for summary in summaries:  # v0.1 kept a run's inputs as recorded; now path -> sha256
            summary["inputs"] = Inputs.model_validate(summary["inputs"]).recorded()
            if summary["kind"] == "pytest":  # v0.1 named a test by a file-safe label; state
                # now follows its node id, which the record kept as its expectation's name
                summary["scenario"] = _V01_TEST_NODE
    for _ in range(2):  # read, then again from the index cache
        found = {
            incident: [_v01_fields(s.to_json()) for s in load_summaries(project, incident)]
            for incident in incidents_with_evidence(project)
        }
        assert found == expected


def _v01_fields(summary: dict[str, Any]) -> dict[str, Any]:
    """A summary as v0.1 had it: the fields schema 2 added left out, lists as lists."""
    added = ("schema", "prev", "attests", "resolved")
    kept = {k: v for k, v in summary.items() if k not in added}
    assert (summary["schema"], summary["prev"], summary["attests"]) == (1, (), ())
    assert summary["resolved"] == {}
    return kept | {"runs": list(summary["runs"])}


def test_old_non_finite_spellings_still_read_as_numbers() -> None:
    [path] = [p for p in RECORDS if "nan-metrics" in p.name]
    metrics = parse_record(parse_json(path.read_bytes()))
    assert isinstance(metrics, RunRecord)
    values = metrics.metrics
    assert (values["auc"], values["ratio"], values["floor"]) == ("nan", "inf", "-inf")
    decoded = [decode_number(values[k]) for k in ("ratio", "floor", "n")]
    assert decoded == [float("inf"), float("-inf"), 3.0]
    assert str(decode_number(values["auc"])) == "nan"


# --------------------------------------------------------------------------- malformed


@pytest.mark.parametrize("path", MALFORMED, ids=lambda p: p.stem)
def test_a_sealed_but_malformed_record_is_named_by_verify_and_counts_for_nothing(
    path: Path, project: Project
) -> None:
    folder = project.reports_dir / "INC-1" / "evidence"
    shutil.copy(path, folder / path.name)
    findings = verify_in(Archive(project, key="")).findings
    named = [f.problem for f in findings if f.path.endswith(path.name)]
    # v0.1 read a text time stamp ("yesterday") as a time of unknown age; a record without
    # a time cannot be ordered or dated, so it is malformed like the others.
    assert len(named) == 1 and named[0].startswith("malformed "), named
    assert path.name not in [s.file for s in load_summaries(project, "INC-1")]
    expected = json.loads((V01 / "expected_status.json").read_text())["fresh"]
    now = moment(expected["now"])
    states = {s.action.id: s.state for s in Archive(project, clock=lambda: now).statuses()}
    assert states == {s["action"]: s["state"] for s in expected["statuses"]}


@pytest.mark.parametrize(
    ("stem", "problem"),
    [
        ("closure-runs-int", "malformed closure record: runs: Input should be a valid list"),
        ("closure-runs-mixed", "malformed closure record: runs.1: Input should be a valid string"),
        ("recurrence-run-list", "malformed recurrence record: run: Input should be a valid string"),
        ("run-inputs-list", "malformed run record: inputs: Input should be a valid dictionary"),
        ("run-started-us-text", "malformed run record: started_at_us: Input should be a valid"),
        ("run-bad-timestamp", "malformed run record: started_at: Value error, not an ISO 8601"),
        ("waiver-by-number", "malformed waiver record: by: Input should be a valid string"),
    ],
)
def test_verify_says_which_field_of_a_malformed_record_is_wrong(
    stem: str, problem: str, project: Project
) -> None:
    folder = project.reports_dir / "INC-1" / "evidence"
    shutil.copy(V01 / "malformed" / f"{stem}.json", folder)
    findings = verify_in(Archive(project, key="")).findings
    assert [f.problem[: len(problem)] for f in findings] == [problem]


def test_a_record_of_an_unknown_type_is_read_as_an_envelope() -> None:
    content = parse_json(RECORDS[0].read_bytes()) | {"type": "note", "text": "later schema"}
    record = parse_record(content)
    assert type(record) is Record and record.body() == content


# --------------------------------------------------------------------------- new records

# What differs between two records of the same content: when, where, and the seal; and
# what schema 2 changed (its number, and `prev`: the records the writer saw).
VARYING = {"id", "started_at", "started_at_us", "duration_s", "environment", "git"}
VARYING |= {"artifacts", "sha256", "signature", "runs", "run", "schema", "prev"}


def golden(name: str) -> dict[str, Any]:
    [path] = [p for p in RECORDS if p.name == name]
    content: dict[str, Any] = parse_json(path.read_bytes())
    return content


def same_content(new: dict[str, Any], old: dict[str, Any]) -> None:
    assert (new["schema"], old["schema"]) == (2, 1)
    assert set(new) == set(old) | {"prev"}
    assert {k: v for k, v in new.items() if k not in VARYING} == {
        k: v for k, v in old.items() if k not in VARYING
    }
    assert set(new["environment"]) == set(old["environment"])
    assert set(new["environment"]["packages"]) == set(old["environment"]["packages"])
    assert set(new["git"]) == set(old["git"])


def run_a1(archive: Archive, *, with_before: bool, trigger: str) -> dict[str, Any]:
    project = archive.project
    loaded = load_scenario(project, project.scenarios_dir / "INC-1" / "a1.yaml")
    run = run_loaded(loaded, project, with_before=with_before)
    path = evidence.write_record(project, evidence.run_record(run, project, trigger), "a1")
    return parse_json(path.read_bytes())  # type: ignore[no-any-return]


def test_todays_records_of_the_same_content_are_v01_records(project: Project) -> None:
    shutil.rmtree(project.reports_dir)
    archive = Archive(project, key="")
    run = run_a1(archive, with_before=True, trigger="manual")
    same_content(run, golden("20261201T145444Z-a1-1cb059cb.json"))
    old_artifacts = golden("20261201T145444Z-a1-1cb059cb.json")["artifacts"]
    assert [a.rsplit("-", 1)[1] for a in run["artifacts"]] == ["fixed.svg", "before.svg"]
    assert len(run["artifacts"]) == len(old_artifacts)

    closed = close_in(Archive(project, key=""), "INC-1", "A1", "sam", "fires at 1h15m now")
    closure = parse_json((project.root / str(closed.record)).read_bytes())
    same_content(closure, golden("20261201T145456Z-closure-A1-bd55fe93.json"))
    assert closure["runs"] == [run["sha256"]]

    reason = "org change: announcements moved to the data council"
    waived = waive_in(Archive(project, key=""), "INC-1", "A2", "kim", reason, force=False)
    waiver = parse_json((project.root / str(waived.record)).read_bytes())
    same_content(waiver, golden("20261201T145457Z-waiver-A2-7c9882b9.json"))

    scenario = project.scenarios_dir / "INC-1" / "a1.yaml"
    scenario.write_text(scenario.read_text().replace("> 0.05, for: 15m", "> 0.09, for: 15m"))
    failed = run_a1(archive, with_before=False, trigger="scheduled")
    same_content(failed, golden("20261201T145500Z-a1-9d44bfbf.json"))
    after = Archive(project, key="")
    [written] = recur_in(after, after.statuses(["INC-1"]))
    recurrence = parse_json((project.root / written).read_bytes())
    same_content(recurrence, golden("20261201T145501Z-recurrence-A1-27bc97cc.json"))
    assert recurrence["run"] == failed["sha256"]
    # Each new record named the records its writer saw last (the heads): a chain.
    assert run["prev"] == [] and closure["prev"] == [run["sha256"]]
    assert waiver["prev"] == [closure["sha256"]] and failed["prev"] == [waiver["sha256"]]
    assert recurrence["prev"] == [failed["sha256"]]
    assert verify_in(Archive(project, key="")).findings == []

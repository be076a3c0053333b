"""The closure lifecycle through the CLI: run, status, close, waive, verify, gate, recur."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from tests.conftest import POSTMORTEM, SCENARIO, Write

from closeout._time import utc_now
from closeout.cli import main
from closeout.evidence import build, envelope, write_record
from closeout.lifecycle import Archive, close_in
from closeout.models.canonical import signature_ok
from closeout.models.records import ClosureRecord, WaiverRecord
from closeout.project import load_project
from closeout.verify import verify_in

BROKEN_FIX = SCENARIO.replace(
    "expr: error_rate > 0.05, for: 15m", "expr: error_rate > 0.09, for: 15m"
)


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out + err


def status(capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    code, out = cli(capsys, "status", "--json")
    assert code == 0
    return {row["action"]: row["state"] for row in json.loads(out[: out.rindex("]") + 1])}


def evidence(project_dir: Path, kind: str) -> list[dict[str, object]]:
    folder = project_dir / "reports" / "INC-1" / "evidence"
    records = [json.loads(p.read_text()) for p in folder.glob("[!.]*.json")]
    records.sort(key=lambda r: (r["started_at"], r["started_at_us"]))
    return [r for r in records if r["type"] == kind]


@pytest.fixture
def two_actions(project_dir: Path, write: Write) -> Path:
    pm = POSTMORTEM + (
        "  - id: A2\n    title: Announce schema changes\n    type: process\n    owner: kim\n"
        "    due: 2099-01-01\n    addresses: [RC1]\n    success_criteria: announced\n"
    )
    write("scenarios/INC-1/postmortem.yaml", pm)
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    return project_dir


def test_close_refuses_without_evidence_then_closes_on_it(
    two_actions: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = cli(capsys, "close", "INC-1", "A1", "--by", "sam")
    assert code == 1 and "a1: no run yet" in out
    assert cli(capsys, "run", "INC-1")[0] == 0
    assert status(capsys)["A1"] == "verified"
    code, out = cli(capsys, "close", "INC-1", "A1", "--by", "sam", "--note", "done")
    assert code == 0, out
    [closure] = evidence(two_actions, "closure")
    [run] = evidence(two_actions, "run")
    assert (closure["by"], closure["note"], closure["runs"]) == ("sam", "done", [run["sha256"]])
    assert status(capsys)["A1"] == "closed"


def test_close_refuses_a_vacuous_scenario(
    two_actions: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("scenarios/INC-1/a1.yaml", SCENARIO.replace("error_rate > 0.1", "error_rate > 0.06"))
    cli(capsys, "run", "INC-1")
    code, out = cli(capsys, "close", "INC-1", "A1", "--by", "sam")
    assert code == 1 and "vacuous" in out


def test_close_refuses_when_the_scenario_changed_since_the_run(
    two_actions: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(capsys, "run", "INC-1")
    write("scenarios/INC-1/a1.yaml", SCENARIO + "description: edited after the run\n")
    code, out = cli(capsys, "close", "INC-1", "A1", "--by", "sam")
    assert code == 1 and "stale: scenarios/INC-1/a1.yaml changed" in out
    assert status(capsys)["A1"] == "stale"


def test_waive_refuses_an_action_with_scenarios_unless_forced(
    two_actions: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = cli(capsys, "waive", "INC-1", "A1", "--by", "sam", "--reason", "no time")
    assert code == 1 and "has scenarios" in out
    assert cli(capsys, "waive", "INC-1", "A2", "--by", "kim", "--reason", "org change")[0] == 0
    assert cli(capsys, "waive", "INC-1", "A1", "--by", "sam", "--reason", "x", "--force")[0] == 0
    waivers = evidence(two_actions, "waiver")
    assert sorted((w["action"], w["forced"]) for w in waivers) == [("A1", True), ("A2", False)]
    assert status(capsys) == {"A1": "waived", "A2": "waived"}


def test_recur_records_one_recurrence_per_new_failure_and_recovers(
    two_actions: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(capsys, "run", "INC-1")
    cli(capsys, "close", "INC-1", "A1", "--by", "sam")
    assert cli(capsys, "recur")[0] == 0
    write("scenarios/INC-1/a1.yaml", BROKEN_FIX)  # the fix regressed
    code, out = cli(capsys, "recur")
    assert code == 1 and "RECURRENCE recorded" in out
    assert status(capsys)["A1"] == "regressed"
    assert cli(capsys, "recur")[0] == 1  # still failing: still red, but no new record
    assert len(evidence(two_actions, "recurrence")) == 1
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    assert cli(capsys, "recur")[0] == 0
    assert status(capsys)["A1"] == "closed"
    runs = evidence(two_actions, "run")
    assert [r["trigger"] for r in runs[1:]] == ["scheduled"] * 4


def test_gate_runs_closed_and_regression_tagged_scenarios_with_junit(
    two_actions: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report = tmp_path / "gate.xml"
    code, _ = cli(capsys, "gate", "--junitxml", str(report))
    assert code == 0 and 'tests="1"' in report.read_text()
    [run] = evidence(two_actions, "run")
    assert (run["trigger"], run["before_verdict"]) == ("gate", None)


def test_gate_fails_when_a_gated_scenario_fails(
    two_actions: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("scenarios/INC-1/a1.yaml", BROKEN_FIX)
    assert cli(capsys, "gate")[0] == 1


def test_verify_names_a_tampered_record_and_a_closure_without_its_run(
    two_actions: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(capsys, "run", "INC-1")
    cli(capsys, "close", "INC-1", "A1", "--by", "sam")
    assert cli(capsys, "verify")[0] == 0
    folder = two_actions / "reports" / "INC-1" / "evidence"
    [run_file] = [
        p for p in folder.glob("[!.]*.json") if json.loads(p.read_text())["type"] == "run"
    ]
    run_file.write_text(run_file.read_text().replace('"verdict": "pass"', '"verdict": "fail"'))
    code, out = cli(capsys, "verify")
    assert code == 1 and run_file.name in out and "sha256 does not match" in out
    assert "closure rests on a modified run" in out
    run_file.unlink()
    code, out = cli(capsys, "verify")
    assert code == 1 and "closure rests on a missing run" in out


def test_status_filters_and_table(two_actions: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = cli(capsys, "status", "--owner", "kim")
    assert code == 0 and "A2" in out and "A1" not in out
    assert "no action matches" in cli(capsys, "status", "--overdue")[1]
    code, out = cli(capsys, "status", "--state", "opne")
    assert code == 2 and "did you mean 'open'" in out


def test_require_signed_only_counts_signed_runs(
    two_actions: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (two_actions / "pyproject.toml").write_text("[tool.closeout]\nrequire_signed = true\n")
    cli(capsys, "run", "INC-1")  # unsigned
    code, out = cli(capsys, "close", "INC-1", "A1", "--by", "sam")
    assert code == 1 and "no run yet" in out
    monkeypatch.setenv("CLOSEOUT_SIGNING_KEY", "s3cret")
    cli(capsys, "run", "INC-1")
    code, out = cli(capsys, "close", "INC-1", "A1", "--by", "sam")
    assert code == 0, out
    assert cli(capsys, "verify")[0] == 1  # the first, unsigned run is flagged
    monkeypatch.setenv("CLOSEOUT_SIGNING_KEY", "wrong")
    code, out = cli(capsys, "verify")
    assert code == 1 and "bad signature" in out


def test_gate_runs_an_unreadable_scenario_of_a_closed_incident_and_errors(
    two_actions: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(capsys, "run", "INC-1")
    cli(capsys, "close", "INC-1", "A1", "--by", "sam")
    write("scenarios/INC-1/a1.yaml", SCENARIO.replace("kind: threshold", "kind: [threshold"))
    code, out = cli(capsys, "gate")
    assert code == 2 and "scenarios/INC-1/a1.yaml" in out


def test_a_regression_first_seen_by_the_gate_is_recorded_once_by_recur(
    two_actions: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(capsys, "run", "INC-1")
    cli(capsys, "close", "INC-1", "A1", "--by", "sam")
    write("scenarios/INC-1/a1.yaml", BROKEN_FIX)
    assert cli(capsys, "gate")[0] == 1
    assert status(capsys)["A1"] == "regressed"
    assert cli(capsys, "recur")[0] == 1
    assert cli(capsys, "recur")[0] == 1
    assert len(evidence(two_actions, "recurrence")) == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["verify", "INC-9"],
        ["status", "./INC-1"],
        ["close", "../scenarios/INC-1", "A1", "--by", "x"],
    ],
)
def test_incident_arguments_must_be_known_ids(
    two_actions: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, out = cli(capsys, *argv)
    assert code == 2 and ("no incident" in out or "not an incident id" in out)
    assert not (two_actions / "scenarios" / "INC-1" / "evidence").exists()


def test_an_archive_derives_state_and_stamps_records_by_its_own_clock(
    two_actions: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "run", "INC-1")[0] == 0
    project = load_project()
    tomorrow = utc_now().replace(microsecond=0) + timedelta(days=1)
    archive = Archive(project, clock=lambda: tomorrow, key="k3y")
    assert {s.action.id: s.state for s in archive.statuses()}["A1"] == "verified"
    late = Archive(project, clock=lambda: tomorrow + timedelta(days=90))
    assert {s.action.id: s.state for s in late.statuses()}["A1"] == "stale"
    decision = close_in(late, "INC-1", "A1", "sam", None)
    assert not decision.done and "older than 12w6d" in decision.reasons[0]
    decision = close_in(archive, "INC-1", "A1", "sam", None)
    assert decision.done, decision.reasons
    [closure] = evidence(two_actions, "closure")
    assert closure["started_at"] == tomorrow.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert closure["signature"] is not None and signature_ok(closure, "k3y")


def test_require_signed_uses_the_archives_key(
    two_actions: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (two_actions / "pyproject.toml").write_text("[tool.closeout]\nrequire_signed = true\n")
    monkeypatch.setenv("CLOSEOUT_SIGNING_KEY", "s3cret")
    cli(capsys, "run", "INC-1")
    project = load_project()
    refused = close_in(Archive(project, key="other"), "INC-1", "A1", "sam", None)
    assert not refused.done and refused.reasons[0] == "a1: no run yet"
    assert any(
        r.startswith("counts for nothing: ") and "bad signature" in r for r in refused.reasons
    )
    assert verify_in(Archive(project)).findings == []
    [finding] = verify_in(Archive(project, key="other")).findings
    assert finding.problem == "bad signature"


# --------------------------------------------------------------------------- issue 11 findings


def test_close_rechecks_the_runs_it_rests_on_whatever_the_index_says(
    two_actions: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """B2: a run altered after `status` cached it is never closed on."""
    cli(capsys, "run", "INC-1")
    assert status(capsys)["A1"] == "verified"  # the index now holds the run as sound
    [run_file] = list((two_actions / "reports/INC-1/evidence").glob("[!.]*.json"))
    before = run_file.stat()
    run_file.write_bytes(run_file.read_bytes().replace(b'"manual"', b'"gate"  '))
    os.utime(run_file, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert run_file.stat().st_size == before.st_size
    code, out = cli(capsys, "close", "INC-1", "A1", "--by", "sam")
    assert code == 1 and "a1: no run yet" in out
    assert f"counts for nothing: {run_file.name}: sha256 does not match" in out
    assert evidence(two_actions, "closure") == []


def test_an_unsigned_closure_counts_for_nothing_where_signing_is_required(
    two_actions: Path,
    write: Write,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """B3: state and gate trusted unsigned closure and waiver records."""
    write("scenarios/INC-1/a1.yaml", SCENARIO.replace("tags: [regression]\n", ""))
    (two_actions / "pyproject.toml").write_text("[tool.closeout]\nrequire_signed = true\n")
    monkeypatch.setenv("CLOSEOUT_SIGNING_KEY", "s3cret")
    cli(capsys, "run", "INC-1")
    project = load_project()
    assert close_in(Archive(project, key=""), "INC-1", "A1", "mallory", None).done is False
    unsigned = Archive(project, key="")  # writes unsigned: like a hand-made closure
    fields = unsigned.envelope("closure", "INC-1", "A1")
    run_sha = evidence(two_actions, "run")[0]["sha256"]
    fields |= {"by": "mallory", "note": None, "runs": [run_sha]}
    unsigned.write(build(ClosureRecord, fields), "closure-A1")
    fields = unsigned.envelope("waiver", "INC-1", "A2") | {"by": "mallory", "reason": "x"}
    unsigned.write(build(WaiverRecord, fields), "waiver-A2")
    assert status(capsys) == {"A1": "verified", "A2": "open"}
    code, out = cli(capsys, "gate")
    assert code == 0 and "nothing to gate" in out
    code, out = cli(capsys, "verify")
    assert code == 1 and out.count("unsigned record (require_signed is set)") == 2


def test_require_signed_without_a_key_makes_verify_fail_naming_the_key(
    two_actions: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """B5: verify was silent while close refused."""
    (two_actions / "pyproject.toml").write_text("[tool.closeout]\nrequire_signed = true\n")
    code, out = cli(capsys, "verify")
    assert code == 1
    assert "pyproject.toml:2: require_signed is set, but no key can check a signature" in out
    assert "CLOSEOUT_SIGNING_KEY" in out
    code, out = cli(capsys, "close", "INC-1", "A1", "--by", "sam")
    assert code == 1 and "no key can check a signature" in out


@pytest.mark.parametrize("command", ["gate", "recur"])
@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('[tool.closeout]\nscenarios = "scenaros"\n', "no scenarios folder: scenaros does not"),
        ('[tool.closeout]\nscenarios = "reports"\n', "no incident in reports"),
    ],
)
def test_gate_and_recur_over_no_scenario_are_usage_errors(
    two_actions: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    config: str,
    message: str,
) -> None:
    """B8: a typo in `scenarios` turned the CI gate green."""
    (two_actions / "reports").mkdir()
    (two_actions / "pyproject.toml").write_text(config)
    code, out = cli(capsys, command)
    assert code == 2 and message in out


def test_two_scenarios_with_one_name_never_let_the_failing_one_be_closed(
    two_actions: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    """B9: the passing twin's run made the failing one look verified.

    (The loader now refuses to run twins; these runs were recorded before the copy got the
    same name, or by an older closeout.)
    """
    copy = write(
        "scenarios/INC-1/a1-copy.yaml", BROKEN_FIX.replace("action: A1", "name: a1\naction: A1")
    )
    project = load_project()
    for path, verdict in ((copy, "fail"), (two_actions / "scenarios/INC-1/a1.yaml", "pass")):
        record = envelope(project, "run", "INC-1", "A1")
        shown = project.display(path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        record |= {
            "scenario": "a1",
            "kind": "threshold",
            "verdict": verdict,
            "before_verdict": "fail",
            "discriminating": verdict == "pass",
            "inputs": {"scenario": {"path": shown, "sha256": digest}, "files": {}, "code": {}},
        }
        write_record(project, record, "a1")  # the passing twin is written last
    code, out = cli(capsys, "close", "INC-1", "A1", "--by", "sam")
    assert code == 1 and "the name 'a1' is also used by scenarios/INC-1/a1" in out
    assert "latest run is fail" in out
    assert status(capsys)["A1"] == "failing"
    assert evidence(two_actions, "closure") == []


def test_four_simultaneous_closes_write_one_closure(
    two_actions: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """B28: each took the state before any closure existed and wrote its own."""
    cli(capsys, "run", "INC-1")
    closers = [
        subprocess.Popen(
            [sys.executable, "-m", "closeout", "close", "INC-1", "A1", "--by", f"p{n}"],
            cwd=two_actions,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for n in range(4)
    ]
    outputs = [c.communicate(timeout=120)[0] for c in closers]
    assert [c.returncode for c in closers] == [0, 0, 0, 0], outputs
    assert len(evidence(two_actions, "closure")) == 1
    assert sum("already closed" in out for out in outputs) == 3


def test_status_says_which_evidence_counts_for_nothing(
    two_actions: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(capsys, "run", "INC-1")
    [run_file] = list((two_actions / "reports/INC-1/evidence").glob("[!.]*.json"))
    run_file.write_text(run_file.read_text().replace('"pass"', '"fail"', 1))
    code = main(["status"])
    out, err = capsys.readouterr()
    assert code == 0 and "A1" in out
    assert (
        "INC-1: 1 record(s) count for nothing in its evidence: see `closeout verify INC-1`" in err
    )

"""Lint and ``status`` agree on what a waiver is: once ``closeout waive`` wrote its record,
lint no longer warns that the action has "no scenario, no waiver", and ``--strict`` passes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import POSTMORTEM, SCENARIO, Write

import closeout.store
from closeout.cli import main


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_waiver_record_settles_the_action_for_lint(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(capsys, "lint", "--strict")
    assert code == 2 and "action A1 has no scenario, no waiver" in out
    assert cli(capsys, "waive", "INC-1", "A1", "--by", "cto", "--reason", "org change")[0] == 0
    assert cli(capsys, "lint", "--strict") == (0, "", "1 file(s): 0 error(s), 0 warning(s)\n")
    code, out, _ = cli(capsys, "status", "--json")
    assert [row["state"] for row in json.loads(out)] == ["waived"]


def test_a_past_due_date_of_a_waived_action_is_no_warning(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        "scenarios/INC-1/postmortem.yaml", POSTMORTEM.replace("due: 2099-01-01", "due: 2020-01-01")
    )
    out = cli(capsys, "lint", "--json")[1]
    warnings = [p["message"] for p in json.loads(out)["problems"]]
    assert "action A1 was due 2020-01-01" in warnings
    cli(capsys, "waive", "INC-1", "A1", "--by", "cto", "--reason", "org change")
    assert json.loads(cli(capsys, "lint", "--json")[1])["problems"] == []


def test_a_waiver_record_that_does_not_count_does_not_settle(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(capsys, "waive", "INC-1", "A1", "--by", "cto", "--reason", "org change")
    record = next((project_dir / "reports/INC-1/evidence").glob("*waiver-A1*.json"))
    data = json.loads(record.read_text())
    data["reason"] = "altered after sealing"
    record.write_text(json.dumps(data))
    # status no longer counts the altered record, and neither does lint
    assert json.loads(cli(capsys, "status", "--json")[1])[0]["state"] == "open"
    code, out, _ = cli(capsys, "lint", "--strict")
    assert code == 2 and "action A1 has no scenario, no waiver" in out


def test_lint_reads_no_recorded_input_while_status_does(
    project_dir: Path,
    write: Write,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Lint needs the settled states, never staleness: it must not hash the inputs a run
    recorded (a Parquet dataset may be gigabytes), which status does."""
    write("scenarios/INC-1/a1-alert.yaml", SCENARIO)
    assert cli(capsys, "run", "INC-1")[0] == 0
    assert cli(capsys, "close", "INC-1", "A1", "--by", "sam")[0] == 0
    hashed: list[str] = []
    real = closeout.store.data_sha256

    def counting(project: object, relative: str) -> str | None:
        hashed.append(relative)
        return real(project, relative)  # type: ignore[arg-type]

    monkeypatch.setattr(closeout.store, "data_sha256", counting)
    assert cli(capsys, "lint", "--strict")[0] == 0
    assert hashed == []
    assert json.loads(cli(capsys, "status", "--json")[1])[0]["state"] == "closed"
    assert hashed  # status does look: the check above can fail

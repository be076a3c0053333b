"""What `status`, `close` and `waive` say (issue 15): why an action is in its state, and the
command that moves it on; the ticket link of `[tool.closeout] ticket_url`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import POSTMORTEM, SCENARIO, Write

from closeout.cli import main

BROKEN_FIX = SCENARIO.replace("error_rate > 0.05, for: 15m", "error_rate > 0.09, for: 15m")


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out + err


def notes(out: str) -> str:
    """What `status` prints under its table."""
    return out.split("\n\n", 1)[1] if "\n\n" in out else ""


def test_status_says_why_and_what_next_for_each_state_and_close_refusals_end_with_it(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    code, out = cli(capsys, "status")
    assert code == 0 and notes(out) == (
        "INC-1/A1: open\n  - a1: no run yet\n  next: closeout run INC-1/A1\n"
    )
    code, out = cli(capsys, "close", "INC-1", "A1", "--by", "Sam Lee")
    assert code == 1
    assert out.splitlines()[-2:] == ["  - a1: no run yet", "next: closeout run INC-1/A1"]

    write("scenarios/INC-1/a1.yaml", BROKEN_FIX)
    assert cli(capsys, "run")[0] == 1
    code, out = cli(capsys, "status")
    lines = notes(out).splitlines()
    assert lines[0] == "INC-1/A1: failing" and lines[1].startswith("  - a1: latest run is fail (")
    assert lines[-1] == "  next: fix what fails (see its evidence), then closeout run INC-1/A1"
    code, out = cli(capsys, "close", "INC-1", "A1", "--by", "Sam Lee", "--json")
    refused = json.loads(out)
    assert (code, refused["done"]) == (1, False)
    assert refused["next"] == "fix what fails (see its evidence), then closeout run INC-1/A1"

    write("scenarios/INC-1/a1.yaml", SCENARIO)
    assert cli(capsys, "run")[0] == 0
    code, out = cli(capsys, "status")
    assert notes(out) == "INC-1/A1: verified\n  next: closeout close INC-1 A1 --by WHO\n"
    code, out = cli(capsys, "waive", "INC-1", "A1", "--by", "Sam Lee", "--reason", "org")
    assert code == 1 and out.splitlines()[-1] == "next: closeout close INC-1 A1 --by 'Sam Lee'"
    assert cli(capsys, "close", "INC-1", "A1", "--by", "Sam Lee")[0] == 0
    code, out = cli(capsys, "status")
    assert notes(out) == ""  # settled: nothing under the table

    write("scenarios/INC-1/a1.yaml", SCENARIO + "# reworded\n")
    code, out = cli(capsys, "status")
    assert notes(out).splitlines() == [
        "INC-1/A1: stale",
        notes(out).splitlines()[1],
        "  next: closeout run INC-1/A1",
    ]
    assert (
        notes(out)
        .splitlines()[1]
        .startswith("  - a1: stale: scenarios/INC-1/a1.yaml changed since ")
    )
    (row,) = json.loads(cli(capsys, "status", "--json")[1])
    assert (row["state"], row["next"]) == ("stale", "closeout run INC-1/A1")


def test_an_action_without_scenario_names_waive_and_a_waived_one_is_settled(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = cli(capsys, "close", "INC-1", "A1", "--by", "sam")
    assert code == 1 and out.splitlines()[-1] == (
        "next: add a scenario for A1 in scenarios/INC-1/, or "
        "closeout waive INC-1 A1 --by sam --reason TEXT"
    )
    assert cli(capsys, "waive", "INC-1", "A1", "--by", "sam", "--reason", "org change")[0] == 0
    code, out = cli(capsys, "close", "INC-1", "A1", "--by", "sam")
    assert (
        code == 1 and out.splitlines()[-1] == "next: closeout status INC-1 (the action is settled)"
    )
    code, out = cli(capsys, "waive", "INC-1", "A1", "--by", "sam", "--reason", "again")
    assert (
        code == 1 and out.splitlines()[-1] == "next: closeout status INC-1 (the action is settled)"
    )


def test_status_links_the_ticket_through_ticket_url(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("scenarios/INC-1/postmortem.yaml", POSTMORTEM + "    ticket: OPS 12/a\n")
    (project_dir / "pyproject.toml").write_text(
        '[tool.closeout]\nticket_url = "https://tracker.example/browse/{ticket}"\n'
    )
    (row,) = json.loads(cli(capsys, "status", "--json")[1])
    assert row["ticket"] == "OPS 12/a"
    assert row["ticket_url"] == "https://tracker.example/browse/OPS%2012%2Fa"
    assert "  ticket: https://tracker.example/browse/OPS%2012%2Fa" in cli(capsys, "status")[1]
    (project_dir / "pyproject.toml").write_text("[tool.closeout]\n")
    (row,) = json.loads(cli(capsys, "status", "--json")[1])
    assert (row["ticket"], row["ticket_url"]) == ("OPS 12/a", None)
    assert "  ticket: OPS 12/a" in cli(capsys, "status")[1]

"""``closeout digest``: what changed in a period, read through an archive with a set clock."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from tests.conftest import POSTMORTEM, SCENARIO, Write

from closeout._time import utc_now
from closeout.cli import main
from closeout.digest import Digest, digest, digest_text, parse_since
from closeout.errors import UsageError
from closeout.lifecycle import Archive, close_in, recur_in, waive_in
from closeout.project import load_project

BROKEN_FIX = SCENARIO.replace(
    "expr: error_rate > 0.05, for: 15m", "expr: error_rate > 0.09, for: 15m"
)


def action(number: int, kind: str, due: str) -> str:
    return (
        f"  - id: A{number}\n    title: Action {number}\n    type: {kind}\n    owner: kim\n"
        f"    due: {due}\n    addresses: [RC1]\n    success_criteria: done\n"
    )


def at(moment: datetime) -> Archive:
    return Archive(load_project(), clock=lambda: moment)


def listed(result: Digest, kind: str) -> list[str]:
    [incident] = result.incidents
    return [change.action for change in incident.changes[kind]]


@pytest.fixture
def history(project_dir: Path, write: Write) -> dict[str, datetime]:
    """A1 ran, closed and regressed (with a recurrence); A2 was waived; A3 falls due two days
    after the runs; A4 ran and is verified. Runs carry the wall clock; closure, waiver and
    recurrence records the clock of the archive that wrote them."""
    start = utc_now()
    due = (start + timedelta(days=2)).date().isoformat()
    postmortem = POSTMORTEM + action(2, "process", "2099-01-01") + action(3, "process", due)
    write("scenarios/INC-1/postmortem.yaml", postmortem + action(4, "detect", "2099-01-01"))
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    write("scenarios/INC-1/a4.yaml", SCENARIO.replace("action: A1", "action: A4"))
    assert main(["run", "INC-1"]) == 0
    assert close_in(at(utc_now()), "INC-1", "A1", "sam", None).done
    assert waive_in(at(utc_now()), "INC-1", "A2", "kim", "organisational", False).done
    write("scenarios/INC-1/a1.yaml", BROKEN_FIX)
    assert main(["run", "INC-1/A1"]) == 1
    archive = at(utc_now())
    assert recur_in(archive, archive.statuses()) != []
    return {"start": start, "end": utc_now()}


def test_everything_that_happened_in_the_period_is_listed(history: dict[str, datetime]) -> None:
    now = history["end"] + timedelta(days=5)
    result = digest(at(now), history["start"] - timedelta(hours=1))
    assert listed(result, "closed") == ["A1"]
    assert listed(result, "waived") == ["A2"]
    assert listed(result, "recurrences") == ["A1"]
    assert listed(result, "regressed") == ["A1"]
    assert listed(result, "verified") == ["A4"]
    assert listed(result, "overdue") == ["A3"]
    [incident] = result.incidents
    assert incident.states == {"regressed": 1, "waived": 1, "open": 1, "verified": 1}
    assert incident.overdue == 1
    assert result.totals() == {
        "closed": 1,
        "verified": 1,
        "regressed": 1,
        "overdue": 1,
        "waived": 1,
        "recurrences": 1,
    }
    closed = incident.changes["closed"][0]
    assert (closed.detail, closed.title) == ("by sam", "Lower the error-rate alert threshold")


def test_a_later_period_sees_only_what_changed_in_it(history: dict[str, datetime]) -> None:
    now = history["end"] + timedelta(days=5)
    later = digest(at(now), history["end"] + timedelta(days=4))
    assert later.totals() == dict.fromkeys(later.totals(), 0)  # A3 was overdue already
    assert "No change in 1 incident(s)." in digest_text(later)
    around_due = digest(at(now), history["end"] + timedelta(seconds=1))
    assert listed(around_due, "overdue") == ["A3"]
    assert listed(around_due, "closed") == []


def test_text_and_json_say_the_same(history: dict[str, datetime]) -> None:
    now = history["end"] + timedelta(days=5)
    result = digest(at(now), history["start"] - timedelta(hours=1))
    text = digest_text(result)
    for line in ("closed      A1", "waived      A2", "recurrence  A1", "overdue     A3"):
        assert line in text, text
    assert "now: 1 waived, 1 regressed, 1 verified, 1 open; 1 overdue" in text
    data = result.as_json()
    [incident] = data["incidents"]
    assert [c["action"] for c in incident["verified"]] == ["A4"]
    assert data["totals"]["recurrences"] == 1 and data["unchanged"] == []


def test_the_command_prints_json_and_names_bad_input(
    history: dict[str, datetime], capsys: pytest.CaptureFixture[str]
) -> None:
    since = (history["start"] - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert main(["digest", "--since", since, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["since"] == since and data["totals"]["closed"] == 1
    assert main(["digest", "--since", "7d", "INC-1"]) == 0
    assert "Progress since" in capsys.readouterr().out
    assert main(["digest", "--since", "last week"]) == 2
    assert "--since 'last week'" in capsys.readouterr().err
    assert main(["digest", "INC-9"]) == 2
    assert "no incident 'INC-9'" in capsys.readouterr().err


def test_a_broken_postmortem_is_named_and_the_rest_still_reported(
    history: dict[str, datetime], write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("scenarios/INC-2/postmortem.yaml", POSTMORTEM.replace("INC-1", "INC-2") + "oops: 1\n")
    assert main(["digest", "--since", "30d"]) == 2
    out, err = capsys.readouterr()
    assert "INC-1" in out and "scenarios/INC-2/postmortem.yaml" in err and "oops" in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", datetime.fromisoformat("2025-07-03T12:00:00+00:00")),
        ("1h30m", datetime.fromisoformat("2025-07-10T10:30:00+00:00")),
        ("2025-07-01", datetime.fromisoformat("2025-07-01T00:00:00+00:00")),
        ("2025-07-01T08:00:00+02:00", datetime.fromisoformat("2025-07-01T06:00:00+00:00")),
    ],
)
def test_since_takes_a_duration_a_date_or_a_timestamp(text: str, expected: datetime) -> None:
    now = datetime.fromisoformat("2025-07-10T12:00:00+00:00")
    assert parse_since(text, now) == expected


@pytest.mark.parametrize("text", ["2025-07-01T08:00:00", "yesterday", "2026-01-01", ""])
def test_since_refuses_naive_odd_and_future_moments(text: str) -> None:
    with pytest.raises(UsageError, match="--since"):
        parse_since(text, datetime.fromisoformat("2025-07-10T12:00:00+00:00"))

"""Action state derivation (SPEC §5), on hand-built records: every state and the order."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from closeout.models import Postmortem
from closeout.project import Project
from closeout.state import STATES, ActionStatus, Clock, InputHashes, ScenarioInfo, derive
from closeout.store import RecordSummary

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
DAY = 86_400_000


def postmortem(**action: Any) -> Postmortem:
    base = {
        "id": "A1",
        "title": "t",
        "type": "detect",
        "owner": "o",
        "due": "2026-12-01",
        "addresses": ["RC1"],
        "success_criteria": "s",
    }
    return Postmortem.model_validate(
        {
            "id": "INC-1",
            "title": "t",
            "severity": "SEV3",
            "summary": "s",
            "impact": {"description": "d"},
            "started_at": "2026-01-01T00:00:00Z",
            "detected_at": "2026-01-01T01:00:00Z",
            "root_causes": [{"id": "RC1", "category": "data", "description": "d"}],
            "actions": [{**base, **action}],
        }
    )


def run(
    when: str,
    verdict: str = "pass",
    before: str | None = "fail",
    name: str = "s1",
    kind: str = "threshold",
) -> RecordSummary:
    return RecordSummary(
        file=f"{when}-{name}.json",
        type="run",
        incident="INC-1",
        action="A1",
        started_at=when,
        sha256=f"sha-{when}-{name}",
        signed=False,
        scenario=name,
        kind=kind,
        verdict=verdict,
        before_verdict=before,
        discriminating=None if before is None else (before == "fail" and verdict == "pass"),
    )


def other(kind: str, when: str) -> RecordSummary:
    return RecordSummary(
        file=f"{when}-{kind}.json",
        type=kind,
        incident="INC-1",
        action="A1",
        started_at=when,
        sha256=f"sha-{kind}",
        signed=False,
        by="sam",
    )


SCENARIO = ScenarioInfo("s1", "A1", "", has_before=True, before_unavailable=False)


def status_of(
    records: list[RecordSummary],
    pm: Postmortem | None = None,
    scenarios: list[ScenarioInfo] | None = None,
    now: datetime = NOW,
    tmp: Path = Path("/nonexistent"),
) -> ActionStatus:
    [status] = derive(
        "INC-1",
        pm or postmortem(),
        [SCENARIO] if scenarios is None else scenarios,
        records,
        Clock(now, 90 * DAY),
        InputHashes(Project(root=tmp)),
        today=now.date(),
    )
    return status


def state_of(
    records: list[RecordSummary],
    pm: Postmortem | None = None,
    scenarios: list[ScenarioInfo] | None = None,
    now: datetime = NOW,
    tmp: Path = Path("/nonexistent"),
) -> tuple[str, bool]:
    status = status_of(records, pm, scenarios, now, tmp)
    return status.state, status.overdue


def test_no_run_is_open() -> None:
    assert state_of([]) == ("open", False)


def test_no_scenario_is_open() -> None:
    assert state_of([], scenarios=[]) == ("open", False)


def test_passing_discriminating_fresh_run_is_verified() -> None:
    assert state_of([run("2026-05-30T00:00:00Z")]) == ("verified", False)


def test_vacuous_run_is_not_verified() -> None:
    assert state_of([run("2026-05-30T00:00:00Z", before="pass")])[0] == "open"


def test_before_unavailable_needs_no_discrimination() -> None:
    info = ScenarioInfo("s1", "A1", "", has_before=False, before_unavailable=True)
    assert state_of([run("2026-05-30T00:00:00Z", before=None)], scenarios=[info])[0] == "verified"


def test_latest_failing_run_is_failing() -> None:
    records = [run("2026-05-30T00:00:00Z"), run("2026-05-31T00:00:00Z", verdict="inconclusive")]
    assert state_of(records)[0] == "failing"


def test_gate_run_without_before_keeps_the_earlier_proof() -> None:
    records = [run("2026-05-30T00:00:00Z"), run("2026-05-31T00:00:00Z", before=None)]
    assert state_of(records)[0] == "verified"


def test_old_evidence_is_stale() -> None:
    assert state_of([run("2026-01-01T00:00:00Z")])[0] == "stale"


def test_changed_input_makes_verified_evidence_stale(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text("new content")
    record = replace(run("2026-05-30T00:00:00Z"), inputs={"s.yaml": "old"})
    status = status_of([record], tmp=tmp_path)
    assert status.state == "stale"
    assert status.reasons == [f"s1: stale: s.yaml changed since {record.file}"]


def test_closure_then_passing_runs_is_closed() -> None:
    records = [
        run("2026-05-30T00:00:00Z"),
        other("closure", "2026-05-30T01:00:00Z"),
        run("2026-05-31T00:00:00Z", before=None),
    ]
    assert state_of(records) == ("closed", False)


def test_failure_after_closure_is_regressed_and_recovers() -> None:
    records = [
        run("2026-05-30T00:00:00Z"),
        other("closure", "2026-05-30T01:00:00Z"),
        run("2026-05-31T00:00:00Z", verdict="fail", before=None),
    ]
    assert state_of(records)[0] == "regressed"
    records.append(run("2026-05-31T06:00:00Z", before=None))
    assert state_of(records)[0] == "closed"


def test_regressed_wins_over_stale() -> None:
    records = [
        run("2026-01-01T00:00:00Z"),
        other("closure", "2026-01-01T01:00:00Z"),
        run("2026-01-02T00:00:00Z", verdict="error", before=None),
    ]
    assert state_of(records)[0] == "regressed"


def test_closed_with_old_evidence_is_stale() -> None:
    records = [run("2026-01-01T00:00:00Z"), other("closure", "2026-01-01T01:00:00Z")]
    assert state_of(records)[0] == "stale"


@pytest.mark.parametrize(
    ("action", "records", "expected"),
    [
        ({"status": "not_doing", "rationale": "superseded"}, [], "not_doing"),
        ({"waiver": {"reason": "org", "approved_by": "cto"}}, [], "waived"),
        ({}, [other("waiver", "2026-05-01T00:00:00Z")], "waived"),
        (
            {
                "status": "not_doing",
                "rationale": "x",
                "waiver": {"reason": "r", "approved_by": "a"},
            },
            [],
            "not_doing",
        ),
    ],
)
def test_not_doing_then_waived_win_over_everything(
    action: dict[str, Any], records: list[RecordSummary], expected: str
) -> None:
    failing = [run("2026-05-30T00:00:00Z", verdict="fail")]
    assert state_of(records + failing, pm=postmortem(**action))[0] == expected


def test_overdue_when_due_passed_and_not_settled() -> None:
    late = postmortem(due="2026-05-01")
    assert state_of([], pm=late) == ("open", True)
    closed = [run("2026-05-30T00:00:00Z"), other("closure", "2026-05-30T01:00:00Z")]
    assert state_of(closed, pm=late) == ("closed", False)
    assert state_of(
        [], pm=postmortem(due="2026-05-01", waiver={"reason": "r", "approved_by": "a"})
    ) == ("waived", False)


def test_python_test_evidence_counts_as_a_scenario_without_before() -> None:
    records = [run("2026-05-30T00:00:00Z", before=None, name="test_guard", kind="pytest")]
    assert state_of(records, scenarios=[])[0] == "verified"
    records.append(
        run("2026-05-31T00:00:00Z", verdict="fail", before=None, name="test_guard", kind="pytest")
    )
    assert state_of(records, scenarios=[])[0] == "failing"


# --------------------------------------------------------------------------- problems


def problems(status: ActionStatus) -> list[tuple[str, str]]:
    return [(p.code, p.message) for s in status.scenarios for p in s.problems]


@pytest.mark.parametrize(
    ("records", "info", "expected"),
    [
        ([], SCENARIO, [("no_run", "no run yet")]),
        (
            [run("2026-05-30T00:00:00Z", verdict="error")],
            SCENARIO,
            [("latest_failed", "latest run is error (2026-05-30T00:00:00Z-s1.json)")],
        ),
        (
            [run("2026-05-30T00:00:00Z", before="pass")],
            SCENARIO,
            [("vacuous", "vacuous: the pre-fix state passes too (2026-05-30T00:00:00Z-s1.json)")],
        ),
        (
            [run("2026-05-30T00:00:00Z", before="error")],
            SCENARIO,
            [
                (
                    "before_errored",
                    "the pre-fix run could not run (2026-05-30T00:00:00Z-s1.json): see its error",
                )
            ],
        ),
        (
            [run("2026-05-30T00:00:00Z", before=None)],
            SCENARIO,
            [("no_before_run", "no run with the pre-fix state yet: run `closeout run`")],
        ),
        (
            [run("2026-05-30T00:00:00Z", before=None)],
            ScenarioInfo("s1", "A1", "", has_before=False, before_unavailable=False),
            [("not_discriminating", "not discriminating: add `before` (or `before_unavailable`)")],
        ),
        (
            [run("2026-01-01T00:00:00Z")],
            SCENARIO,
            [("stale_age", "stale: evidence from 2026-01-01T00:00:00Z is older than 12w6d")],
        ),
    ],
)
def test_each_problem_has_its_code_and_the_sentence_status_prints(
    records: list[RecordSummary], info: ScenarioInfo, expected: list[tuple[str, str]]
) -> None:
    assert problems(status_of(records, scenarios=[info])) == expected


def test_reasons_of_an_open_action_are_its_scenarios_problems() -> None:
    status = status_of([run("2026-05-30T00:00:00Z", before="pass")])
    problem = "vacuous: the pre-fix state passes too (2026-05-30T00:00:00Z-s1.json)"
    assert status.reasons == [f"s1: {problem}"]
    assert status.as_json()["scenarios"]["s1"]["problems"] == [problem]


def test_a_stale_closure_gives_only_the_stale_reasons() -> None:
    records = [
        run("2026-01-01T00:00:00Z", before="pass"),
        other("closure", "2026-01-01T01:00:00Z"),
    ]
    status = status_of(records)
    assert status.state == "stale"
    assert status.reasons == ["s1: stale: evidence from 2026-01-01T00:00:00Z is older than 12w6d"]
    assert [code for code, _ in problems(status)] == ["vacuous", "stale_age"]


def test_a_regression_names_the_failing_run_and_the_closure() -> None:
    records = [
        run("2026-05-30T00:00:00Z"),
        other("closure", "2026-05-30T01:00:00Z"),
        run("2026-05-31T00:00:00Z", verdict="fail", before=None),
    ]
    status = status_of(records)
    assert status.reasons == ["s1: fail since the closure (2026-05-31T00:00:00Z-s1.json)"]


def test_the_state_order_is_the_spec_order() -> None:
    assert STATES == (
        "not_doing",
        "waived",
        "regressed",
        "stale",
        "closed",
        "failing",
        "verified",
        "open",
    )

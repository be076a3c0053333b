"""The stakeholder brief: plain language only, every action's standing in words."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import yaml
from tests.conftest import POSTMORTEM

from closeout.models import Postmortem
from closeout.reports.brief import STATE_WORDS, first_sentence, plain_language, render_brief
from closeout.state import STATES, ActionStatus


@pytest.mark.parametrize(
    ("text", "gone", "kept"),
    [
        ("the `low_confidence_share > 0.15` rule", ["`", "low_confidence_share"], ["0.15"]),
        ("see fixtures/INC-1/psi.csv and src/pipeline/features.py", ["/", ".csv"], ["see"]),
        ("pipeline.features:fix_income broke", ["pipeline.features", ":"], ["broke"]),
        ('rate(http_requests_total{code="500"}[5m]) > 0.1', ["{", "[5m]", "_"], ["> 0.1"]),
        ("DigitReaderDegraded never fired", ["DigitReaderDegraded"], ["Digit Reader Degraded"]),
        ("the runbook https://wiki.example.com/x?a=1 says", ["https", "wiki"], ["a link"]),
        (
            "8-bit (0-255) and/or mg/dL at 10:00 on v4.2.0",
            [],
            ["and/or", "mg/dL", "10:00", "4.2.0"],
        ),
    ],
)
def test_plain_language_drops_code_and_keeps_prose(
    text: str, gone: list[str], kept: list[str]
) -> None:
    out = plain_language(text)
    assert not [g for g in gone if g in out], out
    assert all(k in out for k in kept), out


def test_a_pasted_traceback_goes_on_its_own_lines_or_folded() -> None:
    trace = (
        "Traceback (most recent call last):\n"
        '  File "/srv/app/features.py", line 12, in fix\n'
        "    return income / scale\n"
        "ZeroDivisionError: division by zero.\n"
    )
    # Folded into one line by YAML's ">", the exception's message ends at its full stop.
    for text in (f"Before.\n{trace}After.", f"Before. {' '.join(trace.split())} After."):
        out = plain_language(text)
        assert out == "Before. After.", out


def test_first_sentence() -> None:
    assert first_sentence("One thing. Then another.") == "One thing."
    assert first_sentence("v4.2.0 broke it") == "v4.2.0 broke it"


def status(pm: Postmortem, state: str, overdue: bool = False) -> ActionStatus:
    return ActionStatus("INC-1", pm.actions[0], state, overdue, [], None, None)  # type: ignore[arg-type]


@pytest.mark.parametrize("state", STATES)
def test_every_state_reads_as_words(state: str) -> None:
    data: dict[str, Any] = yaml.safe_load(POSTMORTEM)
    if state == "not_doing":
        data["actions"][0] |= {"status": "not_doing", "rationale": "superseded by `A2`"}
    pm = Postmortem.model_validate(data)
    brief = render_brief(
        pm, [status(pm, state, overdue=state == "open")], datetime(2026, 1, 2, tzinfo=UTC)
    )
    assert STATE_WORDS[state] in brief
    assert ("(overdue)" in brief) == (state == "open")
    assert ("superseded by A2" in brief) == (state == "not_doing")
    assert "1 December" not in brief and "2 January 2026" in brief


def test_the_brief_tells_impact_and_tally() -> None:
    data: dict[str, Any] = yaml.safe_load(POSTMORTEM)
    data["slos"] = [{"sli": "checkout_success", "objective": ">= 99%", "breached": True}]
    data["trigger"] = "deploy of checkout v3"
    pm = Postmortem.model_validate(data)
    brief = render_brief(pm, [status(pm, "closed")], datetime(2026, 1, 2, tzinfo=UTC))
    assert "**People affected:** 120" in brief
    assert "**How long:** 2h, from 1 July 2025, 01:00 UTC" in brief  # until mitigation
    assert "**Noticed after:** 1h" in brief
    assert "checkout success (&gt;= 99%)" in brief and "checkout_success" not in brief
    assert "## What changed\n\ndeploy of checkout v3" in brief
    assert "1 of 1 actions done with proof." in brief
    assert date(2099, 1, 1).isoformat() in brief

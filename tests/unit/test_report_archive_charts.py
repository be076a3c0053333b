"""The archive's tiles and charts after issue 15: closed and waived counted side by side, one
colour per action state, bars on a shared scale, calendar ticks on the incident timeline."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from closeout.reports import archive, charts
from closeout.reports.facts import ActionFact, IncidentFact
from closeout.reports.metrics import compute

NOW = datetime(2026, 6, 1, tzinfo=UTC)
START = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def _action(state: str, index: int) -> ActionFact:
    return ActionFact(
        id=f"A{index}",
        title="t",
        type="detect",
        owner="o",
        due=date(2099, 1, 1),
        state=state,
        overdue=False,
        categories=("data",),
        first_closed_at=START + timedelta(days=3) if state in ("closed", "regressed") else None,
    )


def _incident(states: list[str]) -> IncidentFact:
    return IncidentFact(
        id="INC-1",
        title="one incident",
        severity="SEV2",
        status="published",
        started_at=START,
        detected_at=START + timedelta(minutes=30),  # detect 30m
        resolved_at=START + timedelta(hours=10),  # resolve 10h
        categories=("data",),
        actions=tuple(_action(s, i) for i, s in enumerate(states, start=1)),
    )


STATES = ["regressed", "failing", "stale", "open", "verified", "closed", "waived", "not_doing"]


def test_closed_and_waived_are_separate_tiles() -> None:
    facts = [_incident(["closed", "closed", "waived", "not_doing", "open"])]
    page = archive.render(facts, compute(facts, NOW, {}), {"documents": 0}, NOW, "0")
    tiles = {
        label: value
        for value, label in re.findall(
            r'<div class="tile"><b>([^<]*)</b><span>([^<]*)</span>', page
        )
    }
    assert tiles["closed actions"] == "2"
    assert tiles["waived or not doing"] == "2"
    assert not any("waived)" in label for label in tiles)


def test_every_action_state_has_its_own_colour_in_the_bar() -> None:
    facts = [_incident(STATES)]
    groups = {"all incidents": compute(facts, NOW, {})["overall"]}
    svg = charts.actions_chart(groups, "Action states")
    bars = re.findall(
        r'<rect class="state-(\w+)" x="[\d.]+" y="(\d+)" width="([\d.]+)"[^>]*fill="(#\w+)"', svg
    )
    drawn = {state: fill for state, y, _, fill in bars if y != "30"}  # y=30: the legend
    assert sorted(drawn) == sorted(STATES)
    assert len(set(drawn.values())) == len(STATES)  # regressed is not "open" any more
    widths = [float(width) for state, y, width, _ in bars if y != "30"]
    assert max(widths) - min(widths) < 0.2  # one action each: equal shares of the bar


def test_spread_bars_share_one_scale_so_one_incident_does_not_fill_every_panel() -> None:
    facts = [_incident(["open"])]
    metrics = compute(facts, NOW, {})
    svg = charts.spread_chart({"all incidents": metrics["overall"]}, "Durations")
    dark = re.findall(r'<rect x="[\d.]+" y="\d+" width="([\d.]+)" height="10" fill="(#\w+)"/>', svg)
    width = {fill: float(w) for w, fill in dark}
    detect = width[charts.MEASURE_COLORS["time_to_detect"]]
    resolve = width[charts.MEASURE_COLORS["time_to_resolve"]]
    # 30 minutes and 10 hours on one scale that ends at the round 12 hours above 10 hours.
    assert "every panel spans 0 to 12h" in svg
    panel = (960 - 120 - 10) / 5 - 14
    assert detect == round(panel * 0.5 / 12, 1) and resolve == round(panel * 10 / 12, 1)


def test_round_duration_is_the_next_round_length() -> None:
    assert [charts.round_duration(s) for s in (0, 59, 61, 3601, 11 * 3600, 86401, 40 * 86400)] == [
        60.0,
        60.0,
        120.0,
        7200.0,
        12 * 3600.0,
        2 * 86400.0,
        60 * 86400.0,
    ]

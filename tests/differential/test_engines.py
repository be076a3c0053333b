"""Differential test: closeout's engine and the promtool engine give the same answers.

For every generated scenario in closeout's subset (``series op number`` joined by and / or,
on series without labels), the scenario is evaluated twice through ``threshold.run.evaluate``,
once with ``engine: closeout`` (in process) and once with ``engine: promtool`` (the real
``promtool test rules`` on the generated test file), and each alert's firing state at every
evaluation, and every expectation's outcome and observed value, must be identical.

Skipped when promtool is missing, except under ``CI=true``, where that fails.
"""

from __future__ import annotations

import math
import os
import random
import shutil
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from closeout.kinds.threshold import promql
from closeout.kinds.threshold.judge import judge
from closeout.kinds.threshold.run import evaluate
from closeout.kinds.threshold.spec import ThresholdScenario
from closeout.project import Project

pytestmark = [pytest.mark.promtool, pytest.mark.slow]

EXAMPLES = 220  # the issue asks for at least 200 generated scenarios
START = datetime(2025, 7, 1, 20, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    if shutil.which("promtool") is None:
        reason = "promtool not found on PATH (Debian package 'prometheus')"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason)
    return Project(root=tmp_path_factory.mktemp("engines"))


NUMBERS = ["0", "0.1", "0.2", "0.3", "0.5", "1", "1.5", "2", "-0.5"]
THRESHOLDS = ["0", "0.1", "0.2", "0.3", "0.5", "1", "1.5", "-0.5"]
OPS = [">", ">=", "<", "<=", "==", "!="]
token = st.one_of(
    st.sampled_from([*NUMBERS, "NaN", "Inf", "stale", "_"]),
    st.builds("{}x{}".format, st.sampled_from(NUMBERS), st.integers(0, 8)),
    st.builds(
        "{}+{}x{}".format,
        st.sampled_from(NUMBERS),
        st.sampled_from(["0.1", "0.5"]),
        st.integers(1, 8),
    ),
    st.builds("_x{}".format, st.integers(1, 6)),
)
durations = st.sampled_from(["0s", "30s", "1m", "2m", "3m", "90s", "5m"])


@st.composite
def expression(draw: st.DrawFn, names: list[str]) -> str:
    parts = [
        f"{draw(st.sampled_from(names))} {draw(st.sampled_from(OPS))} "
        f"{draw(st.sampled_from(THRESHOLDS))}"
        for _ in range(draw(st.integers(1, 3)))
    ]
    text = parts[0]
    for part in parts[1:]:
        text += f" {draw(st.sampled_from(['and', 'or']))} {part}"
    return text


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    interval = draw(st.sampled_from(["1m", "30s", "2m"]))
    names = [f"s{i}" for i in range(draw(st.integers(1, 3)))]
    series = {n: " ".join(draw(st.lists(token, min_size=1, max_size=5))) for n in names}
    rules = [
        {
            "alert": f"A{i}",
            "expr": draw(expression([*names, "missing"])),
            "for": draw(durations),
            "keep_firing_for": draw(durations),
            "labels": draw(st.sampled_from([{}, {"severity": "page"}])),
        }
        for i in range(draw(st.integers(1, 2)))
    ]
    alerts = [r["alert"] for r in rules]
    times = st.builds("{}m{}s".format, st.integers(0, 40), st.sampled_from([0, 1, 30, 59]))
    labels = st.sampled_from([None, {}, {"severity": "page"}, {"severity": "ticket"}])

    def with_labels(entry: dict[str, Any]) -> dict[str, Any]:
        chosen = draw(labels)
        return entry if chosen is None else entry | {"labels": chosen}

    expect = [
        with_labels(
            {
                "alert": draw(st.sampled_from(alerts)),
                "at": draw(times),
                "firing": draw(st.booleans()),
            }
        )
        for _ in range(draw(st.integers(1, 4)))
    ]
    expect.append(
        with_labels({"alert": draw(st.sampled_from(alerts)), "first_fires_at": draw(times)})
    )
    expect.append(with_labels({"alert": draw(st.sampled_from(alerts)), "never_fires": True}))
    return {
        "action": "A1",
        "kind": "threshold",
        "interval": interval,
        "series": series,
        "rules": rules,
        "expect": expect,
    }


def verdicts(project: Project, raw: dict[str, Any], engine: str) -> tuple[Any, ...]:
    scenario = ThresholdScenario.model_validate(raw | {"engine": engine})
    assert scenario.rules is not None
    found = evaluate(scenario, list(scenario.rules), project, lambda: "generated")
    firing = {
        name: {
            labels: list(trace.firing)
            for labels, trace in alert.instances.items()
            if any(trace.firing)
        }
        for name, alert in found.observed.items()
    }
    outcomes = [
        (o.outcome, o.observed)
        for o in (
            judge(e, found.observed, found.start_ms, scenario.interval) for e in scenario.expect
        )
    ]
    return found.engine, firing, outcomes


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
@given(raw=scenarios())
def test_both_engines_agree_on_generated_subset_scenarios(
    project: Project, raw: dict[str, Any]
) -> None:
    for text in raw["series"].values():
        try:
            parsed = promql.parse_series(text, 0, 60_000)
        except promql.NotationError:
            assume(False)
            raise
        assume(any(v is not None and not math.isnan(v) for v in parsed.values))
    engine_a, firing_a, outcomes_a = verdicts(project, raw, "closeout")
    engine_b, firing_b, outcomes_b = verdicts(project, raw, "promtool")
    assert (engine_a, engine_b) == ("closeout", "promtool")
    assert firing_b == firing_a, raw
    assert outcomes_b == outcomes_a, raw


@pytest.mark.parametrize("seed", range(12))
def test_both_engines_agree_on_file_series_off_the_grid(project: Project, seed: int) -> None:
    """Samples read from a CSV at arbitrary seconds: promtool gets them on a finer step."""
    rng = random.Random(seed)
    t, rows = 0, []
    while t < 40 * 60:
        rows.append((t, rng.choice(["0.1", "0.3", "0.6", "1", ""])))
        t += rng.choice([15, 30, 45, 90, 120, 400])
    name = f"series-{seed}.csv"
    (project.root / name).write_text(
        "ts,v\n" + "".join(f"{(START + timedelta(seconds=s)).isoformat()},{v}\n" for s, v in rows)
    )
    raw = {
        "action": "A1",
        "kind": "threshold",
        "interval": rng.choice(["1m", "2m", "30s"]),
        "start": "2025-07-01T20:00:00Z",
        "series": {"v": {"file": name, "timestamp": "ts", "column": "v"}},
        "rules": [
            {"alert": "High", "expr": "v > 0.5", "for": rng.choice(["0s", "1m", "3m"])},
            {"alert": "Low", "expr": "v <= 0.1 or v == 1", "keep_firing_for": "2m"},
        ],
        "expect": [
            {"alert": "High", "never_fires": True},
            {"alert": "Low", "first_fires_at": "10m"},
            *({"alert": "High", "at": f"{m}m", "firing": True} for m in range(0, 45, 4)),
        ],
    }
    closeout = verdicts(project, raw, "closeout")
    promtool = verdicts(project, raw, "promtool")
    assert (closeout[0], promtool[0]) == ("closeout", "promtool")
    assert promtool[1:] == closeout[1:]

"""drift_replay semantics by hand-computed cases: windows, min_rows, for, onset, lead time,
the control period and its Clopper-Pearson bound, drift_share, inconclusive outcomes.

The data makes every window's verdict obvious: the reference is 0..1 evenly spread; a
*normal* window holds 0..1 evenly spread too (KS p-value ~1), a *shifted* one 5..6 (p-value
~1e-13), so the expected firings below are worked out on paper from the window layout.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import beta, binom
from tests.conftest import POSTMORTEM, Write

from closeout._numbers import encode_nonfinite
from closeout.loader import load_scenario
from closeout.project import load_project
from closeout.runner import ScenarioRun, run_loaded

DAY = "2025-07-01"
ONSET = f"{DAY}T03:30:00Z"
DETECTED = f"{DAY}T07:00:00Z"
# window hour -> (rows, shifted); hour 8 has no rows at all
LAYOUT = {
    0: (20, False),
    1: (20, True),
    2: (20, False),
    3: (20, True),
    4: (5, True),  # fewer than min_rows: skipped, breaks a run
    5: (20, True),
    6: (20, True),
    7: (20, False),
    9: (20, False),
}


def window_rows(
    hour: int, rows: int, shifted: bool, day: str = DAY
) -> list[tuple[str, float, float]]:
    # the first window's rows start at :17, so t0 must be floored to the hour
    offset = 17 * 60 if hour == 0 else 0
    x = np.linspace(5, 6, rows) if shifted else np.linspace(0, 1, rows)
    z = np.linspace(0, 1, rows)
    stamps = [
        (pd.Timestamp(f"{day}T00:00:00Z") + pd.Timedelta(hours=hour, seconds=offset + 60 * i))
        for i in range(rows)
    ]
    return [
        (s.strftime("%Y-%m-%dT%H:%M:%SZ"), float(a), float(b))
        for s, a, b in zip(stamps, x, z, strict=True)
    ]


def csv(rows: list[tuple[str, float, float]]) -> str:
    return "ts,x,z\n" + "".join(f"{t},{a!r},{b!r}\n" for t, a, b in rows)


@pytest.fixture
def files(project_dir: Path, write: Write) -> None:
    write(
        "scenarios/INC-1/postmortem.yaml",
        POSTMORTEM.replace("2025-07-01T01:00:00Z", ONSET)
        .replace("2025-07-01T02:00:00Z", DETECTED)
        .replace("2025-07-01T02:30:00Z", f"{DAY}T08:00:00Z")
        .replace("2025-07-01T03:00:00Z", f"{DAY}T09:00:00Z")
        .replace("2025-07-01T04:00:00Z", f"{DAY}T10:00:00Z"),
    )
    reference = np.linspace(0, 1, 200)
    write(
        "fixtures/INC-1/reference.csv",
        "x,z\n" + "".join(f"{v!r},{v!r}\n" for v in reference.tolist()),
    )
    incident = [r for h, (n, s) in LAYOUT.items() for r in window_rows(h, n, s)]
    write("fixtures/INC-1/incident.csv", csv(incident))


def scenario(
    monitor: str = "{columns: [x], method: ks}", expect: str = "{}", extra: str = ""
) -> str:
    return f"""\
action: A1
kind: drift_replay
reference: fixtures/INC-1/reference.csv
current: fixtures/INC-1/incident.csv
timestamp: ts
window: 1h
min_rows: 10
monitor: {monitor}
expect: {expect}
{extra}"""


def run(write: Write, text: str) -> ScenarioRun:
    project = load_project()
    path = write("scenarios/INC-1/replay.yaml", text)
    result = run_loaded(load_scenario(project, path), project, artifacts=False)
    assert result.fixed.verdict != "error", result.fixed.error
    return result


def outcomes(result: ScenarioRun) -> dict[str, str]:
    assert result.fixed.error is None, result.fixed.error
    return {o.name: o.outcome for o in result.fixed.outcomes}


@pytest.mark.usefixtures("files")
def test_windows_start_at_the_floored_first_timestamp_and_include_empty_ones(write: Write) -> None:
    metrics = run(write, scenario()).fixed.metrics
    table = metrics["windows"]
    assert [w["start"][11:16] for w in table] == [f"{h:02d}:00" for h in range(10)]
    assert table[0]["end"] == f"{DAY}T01:00:00Z"
    assert [w["rows"] for w in table] == [20, 20, 20, 20, 5, 20, 20, 20, 0, 20]
    assert [w.get("skipped", False) for w in table] == [False] * 4 + [True] + [False] * 3 + [
        True,
        False,
    ]
    assert metrics["skipped_windows"] == [
        {"start": f"{DAY}T04:00:00Z", "rows": 5},
        {"start": f"{DAY}T08:00:00Z", "rows": 0},
    ]
    assert metrics["windows_evaluated"] == 8
    assert [w.get("alerting") for w in table] == [
        False,
        True,
        False,
        True,
        None,
        True,
        True,
        False,
        None,
        False,
    ]


@pytest.mark.usefixtures("files")
def test_for_1_fires_at_each_run_and_a_skipped_window_breaks_the_run(write: Write) -> None:
    result = run(write, scenario(expect="{fires_within: 30m, lead_time_at_least: 3h}"))
    metrics = result.fixed.metrics
    assert metrics["firings"] == [f"{DAY}T02:00:00Z", f"{DAY}T04:00:00Z", f"{DAY}T06:00:00Z"]
    assert metrics["false_alarms_before_onset"] == 1
    assert metrics["fired_at"] == f"{DAY}T04:00:00Z"
    assert (metrics["detection_delay"], metrics["detection_delay_s"]) == ("30m", 1800)
    assert (metrics["lead_time"], metrics["lead_time_s"]) == ("3h", 10800)
    assert outcomes(result) == {
        "fires_within": "pass",  # 30m <= 30m
        "no_alert_before_onset": "fail",  # the 02:00 firing
        "lead_time_at_least": "pass",  # 3h >= 3h
    }


@pytest.mark.usefixtures("files")
def test_for_2_needs_two_consecutive_evaluated_windows(write: Write) -> None:
    monitor = "{columns: [x], method: ks, for: 2}"
    result = run(write, scenario(monitor, "{fires_within: 3h29m, lead_time_at_least: 1m}"))
    metrics = result.fixed.metrics
    # 01:00 and 03:00 alert alone; 04:00 is skipped; 05:00 + 06:00 fire at 07:00
    assert metrics["firings"] == [f"{DAY}T07:00:00Z"]
    assert metrics["detection_delay"] == "3h30m"
    assert metrics["lead_time"] == "0s"
    assert outcomes(result) == {
        "fires_within": "fail",
        "no_alert_before_onset": "pass",
        "lead_time_at_least": "fail",
    }


@pytest.mark.usefixtures("files")
def test_a_firing_exactly_at_the_onset_is_a_false_alarm(write: Write) -> None:
    text = scenario(expect="{fires_within: 2h}", extra=f"onset: {DAY}T04:00:00Z\n")
    result = run(write, text)
    metrics = result.fixed.metrics
    assert metrics["onset"] == f"{DAY}T04:00:00Z"
    assert metrics["false_alarms_before_onset"] == 2
    assert metrics["fired_at"] == f"{DAY}T06:00:00Z"
    assert outcomes(result) == {"fires_within": "pass", "no_alert_before_onset": "fail"}


@pytest.mark.usefixtures("files")
def test_onset_defaults_to_the_postmortem_start(write: Write) -> None:
    assert run(write, scenario()).fixed.metrics["onset"] == ONSET


@pytest.mark.usefixtures("files")
@pytest.mark.parametrize(
    ("alert_when", "fires"),
    [("{drift_share: 0.5}", True), ("{drift_share: 0.51}", False), ("{drifted_columns: 2}", False)],
)
def test_alert_when_counts_or_shares_drifted_columns(
    write: Write, alert_when: str, fires: bool
) -> None:
    # z never drifts, so a shifted window has exactly 1 of 2 columns drifted
    monitor = f"{{columns: [x, z], method: ks, alert_when: {alert_when}}}"
    metrics = run(write, scenario(monitor)).fixed.metrics
    assert (metrics["fired_at"] is not None) is fires
    assert {w["drifted_columns"] for w in metrics["windows"] if not w.get("skipped")} == {0, 1}


@pytest.mark.usefixtures("files")
def test_never_firing_is_inconclusive_while_the_recording_is_too_short(write: Write) -> None:
    monitor = "{columns: [z], method: ks}"
    # the recording ends at 10:00: 3h30m+6h30m = 10:00 is decidable, 6h31m is not
    decided = run(write, scenario(monitor, "{fires_within: 6h30m}"))
    assert outcomes(decided)["fires_within"] == "fail"
    assert decided.fixed.outcomes[0].observed == "never fired after the onset"
    undecided = run(write, scenario(monitor, "{fires_within: 6h31m}"))
    assert outcomes(undecided)["fires_within"] == "inconclusive"
    assert undecided.fixed.verdict == "inconclusive"


def write_control(write: Write, windows: int, shifted: set[int]) -> None:
    rows = [
        r
        for k in range(windows)
        for r in window_rows(k % 24, 20, k in shifted, day=f"2025-06-{1 + k // 24:02d}")
    ]
    write("fixtures/INC-1/control.csv", csv(rows))


@pytest.mark.usefixtures("files")
@pytest.mark.parametrize("shifted", [set(), {7}, {7, 8, 20}])
def test_control_period_false_alarms_and_clopper_pearson_bound(
    write: Write, shifted: set[int]
) -> None:
    write_control(write, 30, shifted)
    result = run(write, scenario(extra="control: fixtures/INC-1/control.csv\n"))
    control = result.fixed.metrics["control"]
    alarms = 1 if shifted == {7} else (2 if shifted else 0)  # 7 and 8 are one run
    assert (control["windows"], control["false_alarms"]) == (30, alarms)
    assert control["false_alarm_rate_upper_95"] == pytest.approx(
        beta.ppf(0.95, alarms + 1, 30 - alarms)
    )
    # the bound is where seeing <= k alarms becomes a 5% event
    assert binom.cdf(alarms, 30, control["false_alarm_rate_upper_95"]) == pytest.approx(0.05)
    if not alarms:
        assert control["false_alarm_rate_upper_95"] == pytest.approx(1 - 0.05 ** (1 / 30))
        assert round(control["false_alarm_rate_upper_95"], 3) == 0.095  # FACTS.md
    assert outcomes(result)["control_quiet"] == ("fail" if alarms else "pass")


@pytest.mark.usefixtures("files")
def test_control_quiet_can_be_turned_off(write: Write) -> None:
    write_control(write, 30, {3})
    text = scenario(expect="{control_quiet: false}", extra="control: fixtures/INC-1/control.csv\n")
    result = run(write, text)
    assert "control_quiet" not in outcomes(result)
    assert result.fixed.metrics["control"]["false_alarms"] == 1


@pytest.mark.usefixtures("files")
def test_before_monitor_replaces_the_subject_and_discriminates(write: Write) -> None:
    text = scenario(
        "{columns: [x, z], method: ks}",
        "{fires_within: 30m, no_alert_before_onset: false}",
        extra="before:\n  monitor: {columns: [z], method: ks}\n",
    )
    result = run(write, text)
    assert (result.verdict, result.before_verdict, result.discriminating) == ("pass", "fail", True)
    assert list(result.before.metrics["columns"]) == ["z"]  # type: ignore[union-attr]


@pytest.mark.usefixtures("files")
def test_metrics_are_plain_json(write: Write) -> None:
    write_control(write, 30, set())
    metrics = run(write, scenario(extra="control: fixtures/INC-1/control.csv\n")).fixed.metrics
    decoded = json.loads(json.dumps(metrics, allow_nan=False))
    cell = decoded["windows"][1]["columns"]["x"]
    assert cell["method"] == "ks" and cell["threshold"] == 0.05 and cell["drifted"] is True
    assert decoded["control"]["window_table"][0]["rows"] == 20


@pytest.mark.usefixtures("project_dir")
def test_a_nan_score_stays_a_float_for_the_evidence_layer_to_encode(write: Write) -> None:
    # a t-test of two constant samples has no p-value: scipy says NaN, and so does the table
    write("fixtures/INC-1/reference.csv", "c\n" + "1.0\n" * 50)
    rows = [f"2025-07-01T{h:02d}:{m:02d}:00Z,1.0\n" for h in range(3) for m in range(0, 60, 2)]
    write("fixtures/INC-1/incident.csv", "ts,c\n" + "".join(rows))
    metrics = run(write, scenario("{columns: [c], method: t_test}")).fixed.metrics
    cell = metrics["windows"][0]["columns"]["c"]
    assert isinstance(cell["score"], float) and math.isnan(cell["score"])
    assert cell["drifted"] is False and "warnings" in metrics
    # SPEC §15: the record spells it "NaN", and stays strict JSON
    sealed = json.loads(json.dumps(encode_nonfinite(metrics), allow_nan=False))
    assert sealed["windows"][0]["columns"]["c"]["score"] == "NaN"


@pytest.mark.usefixtures("files")
def test_min_rows_counts_only_rows_with_a_monitored_value(write: Write) -> None:
    # Window 01:00 holds 20 rows, but x is NaN in 19 of them: one value of x, fewer than
    # min_rows (10), so the window is skipped. Scored, KS on that one shifted value against
    # 200 reference values gives p = 2/201 < 0.05: a "drift" that fires on a single number.
    rows = [r for h in (0, 2, 3) for r in window_rows(h, 20, False)]
    lone = window_rows(1, 20, True)
    rows += [(t, x if i == 0 else math.nan, z) for i, (t, x, z) in enumerate(lone)]
    write("fixtures/INC-1/incident.csv", csv(sorted(rows)))
    metrics = run(write, scenario()).fixed.metrics
    by_start = {w["start"][11:16]: w for w in metrics["windows"]}
    assert by_start["01:00"].get("skipped") is True, by_start["01:00"]
    assert f"{DAY}T01:00:00Z" in [s["start"] for s in metrics["skipped_windows"]]
    assert metrics["firings"] == []

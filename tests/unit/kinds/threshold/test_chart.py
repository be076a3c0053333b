"""``threshold.chart``: series lines broken at gaps, thresholds dashed, firing shaded, time axis."""

from __future__ import annotations

from pathlib import Path

from closeout._time import parse_aware, to_ms
from closeout.kinds.threshold import promql
from closeout.kinds.threshold.chart import threshold_chart
from closeout.kinds.threshold.rules_file import AlertRule
from closeout.kinds.threshold.spec import ThresholdScenario
from closeout.kinds.threshold.subject import inline_rule

M = 60_000  # one minute in ms
STEP = 5 * M


def draw(tmp_path: Path, notation: str, exprs: dict[str, str], start_ms: int = 0) -> str:
    """Chart series ``s`` (5m apart from ``start_ms``) with one rule per alert; the SVG text."""
    scenario = ThresholdScenario.model_validate(
        {
            "action": "A1",
            "kind": "threshold",
            "interval": "5m",
            "series": {"s": notation},
            "rules": [{"alert": alert, "expr": expr} for alert, expr in exprs.items()],
            "expect": [{"alert": next(iter(exprs)), "never_fires": True}],
        }
    )
    assert scenario.rules is not None
    rules: list[AlertRule] = [inline_rule(rule) for rule in scenario.rules]
    series = {"s": promql.parse_series(notation, start_ms, STEP, "s")}
    grid = range(start_ms, start_ms + 10 * STEP, STEP)
    traces = {
        rule.alert: promql.evaluate_alert(
            promql.parse_expr(rule.expr), series, grid, 0, 0, scenario.lookback
        )
        for rule in rules
    }
    path = tmp_path / "chart.svg"
    threshold_chart(path, scenario, rules, series, traces, grid, start_ms, "fixed", "INC-1 / a1")
    return path.read_text(encoding="utf-8")


def test_a_gap_longer_than_the_lookback_and_a_nan_break_the_line(tmp_path: Path) -> None:
    # samples at 0, 5m; nothing visible at 15m and 20m; then 25m, 30m; NaN at 35m; 40m
    text = draw(tmp_path, "1 2 _x3 3 4 NaN 5", {"High": "s > 10"})
    assert text.startswith("<svg") and text.rstrip().endswith("</svg>")
    assert text.count("<polyline") == 3


def test_thresholds_are_dashed_and_firing_is_shaded_per_alert(tmp_path: Path) -> None:
    text = draw(tmp_path, "1 2 3 4 5", {"High": "s > 2.5", "Quiet": "s > 100 or s < -Inf"})
    assert 'stroke-dasharray="6 4"' in text and ">High 2.5</text>" in text
    assert ">Quiet 100</text>" in text and "Quiet -inf" not in text  # no line at infinity
    assert text.count("<title>High firing</title>") == 1  # one interval: from 10m to the end
    assert "<title>Quiet firing</title>" not in text
    assert "INC-1 / a1: fixed rules" in text


def test_time_labels_are_offsets_without_start_and_clock_times_with_it(tmp_path: Path) -> None:
    relative = draw(tmp_path, "1x9", {"High": "s > 2"})
    # 45 minutes at 10-minute calendar steps (issue 15: ticks on round offsets)
    assert ">0s</text>" in relative and ">40m</text>" in relative and ">Jul 01 " not in relative
    start = to_ms(parse_aware("2025-07-01T00:00:00Z"))
    absolute = draw(tmp_path, "1x9", {"High": "s > 2"}, start_ms=start)
    assert ">2025-07-01</text>" in absolute and ">00:10</text>" in absolute  # midnight: the date

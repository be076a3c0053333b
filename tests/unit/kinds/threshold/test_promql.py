"""``threshold.promql``, the Prometheus subset: expanding notation, expressions, alerting.

Expected values are worked out by hand from the Prometheus rules (see the comments); the
differential test in tests/differential compares against the real promtool.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from closeout.kinds.threshold import promql

M = 60_000  # one minute in ms


def series(text: str, interval: int = M) -> promql.Series:
    return promql.parse_series(text, 0, interval, "s")


def test_axn_is_n_plus_one_samples() -> None:
    assert len(series("0.05x11").times) == 12


def test_increment_accumulates_like_promtool() -> None:
    # promtool adds the step repeatedly; 0 + 0.1 + 0.1 + 0.1 is 0.30000000000000004 > 0.3
    values = series("0+0.1x3").values
    acc = 0.0
    expected = []
    for _ in range(4):
        expected.append(acc)
        acc += 0.1
    assert list(values) == expected
    assert values[3] > 0.3


def test_countdown_and_gaps_advance_time() -> None:
    s = series("5-1x2 _x2 _ 7")
    assert list(s.values) == [5.0, 4.0, 3.0, 7.0]
    assert list(s.times) == [0, M, 2 * M, 6 * M]  # 3 samples, 3 missing slots, then 7


def test_value_at_respects_lookback_inclusively() -> None:
    s = series("1 _x10")
    assert s.value_at(5 * M, 5 * M) == 1.0  # exactly 5m old still counts
    assert s.value_at(5 * M + 1, 5 * M) is None


def test_stale_marker_makes_the_series_absent() -> None:
    s = series("1 stale 2")
    assert s.value_at(M, 5 * M) is None
    assert s.value_at(2 * M, 5 * M) == 2.0


@pytest.mark.parametrize(
    "text", ["0.05x", "1+x3", "abc", "1x-2", "_x", "", "NaNx2", "Infx2", "1+Infx2"]
)
def test_bad_notation_is_rejected(text: str) -> None:
    with pytest.raises(promql.NotationError):
        promql.parse_series(text, 0, M)


def test_and_binds_tighter_than_or() -> None:
    expr = promql.parse_expr("a > 1 or b > 1 and c > 1")
    assert isinstance(expr, promql.BoolOp) and expr.op == "or"
    assert promql.holds(expr, {"a": 2.0, "b": 0.0, "c": 0.0})
    assert not promql.holds(expr, {"a": 0.0, "b": 2.0, "c": 0.0})


def test_number_on_the_left_mirrors_the_operator() -> None:
    assert promql.parse_expr("0.5 < c") == promql.Comparison("c", ">", 0.5)


def test_absent_series_makes_every_comparison_false_even_not_equal() -> None:
    assert not promql.holds(promql.parse_expr("a != 1"), {"a": None})
    assert promql.holds(promql.parse_expr("a != 1"), {"a": 2.0})


@pytest.mark.parametrize(
    ("text", "column"),
    [("a >> 1", 4), ("a > ", 5), ("(a > 1", 7), ("a > 1 b", 7), ("a > 1 and", 10)],
)
def test_expression_errors_point_at_the_column(text: str, column: int) -> None:
    with pytest.raises(promql.NotationError) as caught:
        promql.parse_expr(text)
    assert caught.value.column == column


def run(values: str, expr: str, for_m: int = 0, keep_m: int = 0, evals: int = 20) -> list[bool]:
    s = series(values)
    trace = promql.evaluate_alert(
        promql.parse_expr(expr), {"s": s}, range(0, evals * M, M), for_m * M, keep_m * M, 5 * M
    )
    return trace.firing


def test_for_delays_firing_until_the_condition_held_long_enough() -> None:
    # true from t=2m; for 3m -> firing at 5m (t - active_at >= for)
    firing = run("0 0 1x10", "s > 0.5", for_m=3, evals=8)
    assert firing == [False] * 5 + [True] * 3


def test_a_flapping_signal_never_fires_with_for() -> None:
    assert not any(run("1 0 1 0 1 0 1 0 1 0", "s > 0.5", for_m=2, evals=10))


def test_keep_firing_for_holds_the_alert_after_the_condition_clears() -> None:
    # fires at 0..2m, clears at 3m; keep 2m -> firing at 3m, 4m; inactive at 5m
    firing = run("1x2 0x6", "s > 0.5", keep_m=2, evals=9)
    assert firing == [True, True, True, True, True, False, False, False, False]


def test_series_end_plus_lookback_resolves_the_alert() -> None:
    # last sample at 2m; still visible at 7m (exactly 5m old), absent at 8m
    firing = run("1x2", "s > 0.5", evals=10)
    assert firing == [True] * 8 + [False] * 2


def test_firing_at_grid_uses_the_last_evaluation_at_or_before() -> None:
    s = series("0 1x5")
    trace = promql.evaluate_alert(
        promql.parse_expr("s > 0"), {"s": s}, range(0, 6 * 5 * M, 5 * M), 0, 0, 5 * M
    )
    assert not trace.firing_at_grid(4 * M + 59_999)  # the evaluation at 0 covers [0, 5m)
    assert trace.firing_at_grid(5 * M)


def test_intervals_are_half_open() -> None:
    trace = promql.AlertTrace(
        times=[0, M, 2 * M, 3 * M], firing=[False, True, True, False], pending=[False] * 4
    )
    assert trace.intervals(M) == [(M, 3 * M)]
    assert trace.first_firing() == M


@given(st.lists(st.one_of(st.just("_"), st.integers(-5, 5).map(str)), min_size=1, max_size=30))
def test_plain_tokens_give_one_slot_each(tokens: list[str]) -> None:
    s = promql.parse_series(" ".join(tokens), 0, M)
    present = [i for i, t in enumerate(tokens) if t != "_"]
    assert list(s.times) == [i * M for i in present]
    assert list(s.values) == [float(tokens[i]) for i in present]

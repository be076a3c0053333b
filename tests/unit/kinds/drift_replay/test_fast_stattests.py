"""The stattests computed against a reference prepared once give evidently's scores and flags.

The oracle is evidently's own stattest function of the same name
(``registry.get_registered_stattest(name, ColumnType)``), called on the very samples
``ValueDrift`` passes it: the column with infinities turned into NaN and NaNs dropped. For
random references and windows (hypothesis: ties, constant columns, NaN and infinities, tiny
windows, integer and float columns, many and few distinct values) every method closeout
computes itself must give the same score within 1e-12 (absolute; NaN where evidently says
NaN), the same drifted flag, and fail where evidently fails. Where closeout's function
declines a case (``None``: tiny samples where scipy switches to another formula) the scorer
calls evidently itself, so the end result is checked through ``ColumnScorer`` as well.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import currently_in_test_context, given, seed, settings
from hypothesis import event as hypothesis_event
from hypothesis import strategies as st

from closeout.errors import DataError
from closeout.kinds.drift_replay.binned import sturges_edges
from closeout.kinds.drift_replay.ranked import ks_pvalue
from closeout.kinds.drift_replay.reference import Sample, clean
from closeout.kinds.drift_replay.scoring import FAST, ColumnScorer
from closeout.kinds.drift_replay.spec import STATTESTS

TOLERANCE = 1e-12
NUMERIC = sorted(m for m in FAST if "num" in STATTESTS[m].types)
CATEGORICAL = sorted(m for m in FAST if "cat" in STATTESTS[m].types)
SETTINGS = settings(max_examples=40, deadline=None, database=None)


def registry() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from evidently.legacy.calculations.stattests import registry as module
    return module


def evidently(method: str, kind: str, reference: Any, window: Any, threshold: Any) -> Any:
    """(score, flag) from evidently's own function, or the exception it raises."""
    module = registry()
    column_type = module.ColumnType(kind)
    test = module.get_registered_stattest(method, column_type)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = test(
                pd.Series(clean(reference)), pd.Series(clean(window)), column_type, threshold
            )
        except (ValueError, ArithmeticError, TypeError, IndexError) as exc:
            return exc
    return float(result.drift_score), bool(result.drifted)


def event(what: str) -> None:
    """Count the kind of case in hypothesis' statistics (outside hypothesis: nothing)."""
    if currently_in_test_context():
        hypothesis_event(what)


def same(got: tuple[float, bool], want: tuple[float, bool], method: str) -> None:
    score, flag = got
    expected, expected_flag = want
    if math.isnan(expected):
        assert math.isnan(score), (method, score, expected)
    else:
        assert abs(score - expected) <= TOLERANCE, (method, score, expected)
    assert flag == expected_flag, (method, score, expected, flag)


def compare(method: str, kind: str, reference: Any, window: Any, threshold: Any) -> None:
    """closeout's own function and its scorer against evidently's function."""
    scorer = ColumnScorer("x", kind, method, threshold, reference, "monitor.method", "ref")  # type: ignore[arg-type]
    if len(clean(window)) == 0:
        # evidently's ValueDrift refuses an empty column; closeout reports the column as
        # empty in that window instead of scoring it
        assert scorer.score(window) is None
        event("empty window")
        return
    want = evidently(method, kind, reference, window, threshold)
    ref_sample = Sample(clean(reference), kind == "num")
    win_sample = Sample(clean(window), kind == "num")
    actual = STATTESTS[method].default_threshold if threshold is None else threshold
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fast = FAST[method](ref_sample, win_sample, actual)
        except (ValueError, ArithmeticError, TypeError, IndexError) as exc:
            fast = exc
    if fast is None:
        event("left to evidently")
    elif isinstance(want, Exception):
        assert isinstance(fast, type(want)), (method, fast, want)
        event("evidently raises")
    else:
        assert not isinstance(fast, Exception), (method, fast)
        same(fast, want, method)
        event("computed by closeout")
    if isinstance(want, Exception):
        with pytest.raises(DataError, match=f"evidently's '{method}' test failed"):
            scorer.score(window)
        return
    cell = scorer.score(window)
    assert cell is not None
    same((cell.score, cell.drifted), want, method)


# --------------------------------------------------------------------------- data


def _numbers(draw: Any, size: int, style: str, shift: float) -> list[float]:
    if style == "ties":
        palette = draw(st.lists(st.integers(-5, 5), min_size=1, max_size=6, unique=True))
        return [
            float(v) + shift
            for v in draw(st.lists(st.sampled_from(palette), min_size=size, max_size=size))
        ]
    if style == "constant":
        return [3.0 + shift] * size
    if style == "ints":
        return [float(v) for v in draw(st.lists(st.integers(0, 40), min_size=size, max_size=size))]
    finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
    return [v + shift for v in draw(st.lists(finite, min_size=size, max_size=size))]


@st.composite
def numeric_pair(draw: Any) -> tuple[Any, Any]:
    """A reference and a window: ties, constants, many distinct values, NaN and infinities."""
    ref_size = draw(st.integers(1, 250))
    win_size = draw(st.integers(1, 40))
    style = draw(st.sampled_from(["ties", "constant", "ints", "floats"]))
    reference = _numbers(draw, ref_size, style, 0.0)
    window = _numbers(
        draw,
        win_size,
        draw(st.sampled_from([style, "ties", "floats"])),
        draw(st.sampled_from([0.0, 0.5, 7.0])),
    )
    holes = st.sampled_from([math.nan, math.inf, -math.inf])
    for values in (reference, window):
        for _ in range(draw(st.integers(0, 3))):
            values.insert(draw(st.integers(0, len(values))), draw(holes))
    if style == "ints" and draw(st.booleans()):
        # an integer column as the file holds it (no missing values): evidently sees int64
        return (
            pd.Series([int(v) for v in reference if math.isfinite(v)] or [0], dtype="int64"),
            pd.Series([int(v) for v in window if math.isfinite(v)] or [0], dtype="int64"),
        )
    return np.array(reference), np.array(window)


@st.composite
def categorical_pair(draw: Any) -> tuple[Any, Any]:
    letters = st.sampled_from(["a", "b", "c", "d", "e"]) | st.none()
    reference = draw(st.lists(letters, min_size=1, max_size=200))
    window = draw(st.lists(letters | st.just("new"), min_size=1, max_size=40))
    if all(v is None for v in reference):
        reference.append("a")
    return pd.Series(reference, dtype=object), pd.Series(window, dtype=object)


def _thresholds(method: str) -> Any:
    return st.sampled_from([None, 0.05, 0.5] if STATTESTS[method].p_value else [None, 0.1, 0.3])


# --------------------------------------------------------------------------- properties


@pytest.mark.parametrize("method", NUMERIC)
@seed(20261201)
@SETTINGS
@given(data=st.data())
def test_numeric_stattests_equal_evidently(method: str, data: Any) -> None:
    reference, window = data.draw(numeric_pair())
    compare(method, "num", reference, window, data.draw(_thresholds(method)))


@pytest.mark.parametrize("method", CATEGORICAL)
@seed(20261202)
@SETTINGS
@given(data=st.data())
def test_categorical_stattests_equal_evidently(method: str, data: Any) -> None:
    reference, window = data.draw(categorical_pair())
    compare(method, "cat", reference, window, data.draw(_thresholds(method)))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["num", "cat"])
@seed(20261204)
@settings(max_examples=300, deadline=None, database=None)
@given(data=st.data())
def test_every_stattest_equals_evidently_on_many_more_examples(kind: str, data: Any) -> None:
    methods = NUMERIC if kind == "num" else CATEGORICAL
    method = data.draw(st.sampled_from(methods))
    reference, window = data.draw(numeric_pair() if kind == "num" else categorical_pair())
    compare(method, kind, reference, window, data.draw(_thresholds(method)))


@seed(20261203)
@settings(max_examples=200, deadline=None, database=None)
@given(
    values=st.lists(st.floats(-1e9, 1e9) | st.integers(-(10**6), 10**6), min_size=1, max_size=80),
    integer=st.booleans(),
)
def test_sturges_edges_are_numpys_bit_for_bit(values: list[float], integer: bool) -> None:
    array = np.array([int(v) for v in values]) if integer else np.array(values, dtype=float)
    expected = np.histogram_bin_edges(array, bins="sturges")
    got = sturges_edges(array.min(), array.max(), array.size, integer)
    assert got.dtype == expected.dtype and np.array_equal(got, expected)


# --------------------------------------------------------------------------- at scale


@pytest.mark.slow
@pytest.mark.parametrize("method", NUMERIC)
def test_numeric_stattests_equal_evidently_on_a_long_skewed_reference(method: str) -> None:
    """200k reference rows with far outliers and ties, windows of 10k: still within 1e-12."""
    rng = np.random.default_rng(13)
    reference = np.round(rng.lognormal(10, 1, 200_000), 2)
    reference[:50] *= 1_000
    for shift in (0.0, 0.05):
        window = np.round(rng.lognormal(10 + shift, 1, 10_000), 2)
        compare(method, "num", reference, window, None)


@pytest.mark.parametrize("method", ["ks", "wasserstein", "psi", "jensenshannon"])
def test_the_reference_is_prepared_once_not_per_window(method: str) -> None:
    """The sorted reference is computed when the scorer is built; windows only read it."""
    rng = np.random.default_rng(3)
    scorer = ColumnScorer("x", "num", method, None, rng.normal(0, 1, 5000), "m", "ref")
    prepared = scorer.reference.sorted
    for _ in range(3):
        scorer.score(rng.normal(0, 1, 300))
    assert scorer.reference.sorted is prepared
    assert np.all(np.diff(prepared) >= 0)


# --------------------------------------------------------------------------- KS p-values


def scipy_ks_pvalue(statistic: float, n1: int, n2: int) -> float:
    """What ks_2samp reports for this statistic: kstwo.sf at the rounded effective size."""
    from scipy.stats import kstwo

    larger, smaller = sorted([float(n1), float(n2)], reverse=True)
    return float(
        np.clip(kstwo.sf(statistic, np.round(larger * smaller / (larger + smaller))), 0, 1)
    )


@pytest.mark.parametrize("n1", [10_001, 50_000, 200_000])
@pytest.mark.parametrize("squared", [0.5, 2.2, 3.0, 6.0, 15.0, 40.0, 369.0])
def test_ks_pvalues_equal_scipys_across_its_branches(n1: int, squared: float) -> None:
    n2 = 5_000
    size = round(n1 * n2 / (n1 + n2))
    statistic = math.sqrt(squared / size)
    want = scipy_ks_pvalue(statistic, n1, n2)
    assert abs(ks_pvalue(statistic, n1, n2) - want) <= 1e-14 * max(1.0, want) + 1e-300
    # at the threshold itself scipy is asked: the drifted flag can never differ
    assert ks_pvalue(statistic, n1, n2, threshold=want) == want


@pytest.mark.slow
def test_ks_pvalues_for_very_large_windows_equal_scipys() -> None:
    for statistic in (0.0045, 0.006, 0.012):
        want = scipy_ks_pvalue(statistic, 1_000_000, 139_000)
        assert abs(ks_pvalue(statistic, 1_000_000, 139_000) - want) <= 1e-14

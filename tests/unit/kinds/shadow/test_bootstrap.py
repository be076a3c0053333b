"""The paired bootstrap against scipy, and McNemar's exact test against binomtest.

Oracles are computed by scikit-learn and scipy called directly on the same rows; nothing here
copies an expected value from the code under test.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import stats
from sklearn import metrics as sk
from tests.unit.kinds.shadow.cases import binary, binary_case, scores_output

from closeout.kinds.shadow import bootstrap, metrics
from closeout.kinds.shadow.encode import Output, Truth

# --------------------------------------------------------------------------- bootstrap


def decided(scores: np.ndarray) -> np.ndarray:
    return (scores >= 0.5).astype(np.int64)


@pytest.mark.parametrize(
    ("metric", "oracle"),
    [
        (
            "accuracy",
            lambda y, a, b: sk.accuracy_score(y, decided(b)) - sk.accuracy_score(y, decided(a)),
        ),
        ("recall", lambda y, a, b: sk.recall_score(y, decided(b)) - sk.recall_score(y, decided(a))),
        ("roc_auc", lambda y, a, b: sk.roc_auc_score(y, b) - sk.roc_auc_score(y, a)),
        ("log_loss", lambda y, a, b: sk.log_loss(y, y_proba=b) - sk.log_loss(y, y_proba=a)),
    ],
)
def test_bootstrap_sees_the_same_resamples_as_scipy(metric: str, oracle: Any) -> None:
    y, good, fair = binary_case(n=150, seed=8)
    data = binary(y)
    candidate, baseline = scores_output(good), scores_output(fair)

    def statistic(sample: metrics.Sample) -> np.ndarray:
        return metrics.difference(metric, sample, data, candidate, baseline)[:, None]

    ours = bootstrap.distribution(statistic, len(y), 300, np.random.default_rng(11), per_chunk=64)
    reference = stats.bootstrap(
        (y, fair, good),
        oracle,
        paired=True,
        vectorized=False,
        n_resamples=300,
        batch=64,
        method="percentile",
        rng=np.random.default_rng(11),
    )
    np.testing.assert_allclose(ours[:, 0], reference.bootstrap_distribution, rtol=0, atol=1e-12)
    interval = bootstrap.percentile_interval(ours[:, 0], 0.95)
    low, high = reference.confidence_interval
    assert (interval.low, interval.high) == pytest.approx((low, high), abs=1e-12)


@pytest.mark.parametrize("metric", ["accuracy", "mae"])
def test_bootstrap_interval_agrees_with_scipy_within_monte_carlo_error(metric: str) -> None:
    rng = np.random.default_rng(21)
    n = 3000
    if metric == "accuracy":
        y = (rng.random(n) < 0.4).astype(np.int64)
        a = np.where(rng.random(n) < 0.82, y, 1 - y)
        b = np.where(rng.random(n) < 0.86, y, 1 - y)
        data = binary(y)
        candidate = Output("b", "labels", decisions=b)
        baseline = Output("a", "labels", decisions=a)

        def oracle(y: Any, a: Any, b: Any, axis: int = -1) -> Any:
            return (b == y).mean(axis=axis) - (a == y).mean(axis=axis)

    else:
        y = rng.normal(10, 3, n)
        a = y + rng.normal(0, 1.0, n)
        b = y + rng.normal(0, 0.9, n)
        data = metrics.Slice(Truth("regression", y))
        candidate = Output("b", "values", values=b)
        baseline = Output("a", "values", values=a)

        def oracle(y: Any, a: Any, b: Any, axis: int = -1) -> Any:
            return np.abs(b - y).mean(axis=axis) - np.abs(a - y).mean(axis=axis)

    def statistic(sample: metrics.Sample) -> np.ndarray:
        return metrics.difference(metric, sample, data, candidate, baseline)[:, None]

    ours = bootstrap.distribution(statistic, n, 2000, bootstrap.generator(7, "all"))[:, 0]
    interval = bootstrap.percentile_interval(ours, 0.9)
    reference = stats.bootstrap(
        (y, a, b),
        oracle,
        paired=True,
        vectorized=True,
        n_resamples=2000,
        confidence_level=0.9,
        method="percentile",
        rng=np.random.default_rng(99),  # independent draws: agreement within MC error only
    )
    spread = reference.standard_error
    # A percentile endpoint from 2,000 resamples has a Monte Carlo SE of ~0.05 spread; the
    # difference of two independent estimates ~0.07. 0.35 is five of those.
    assert abs(interval.low - reference.confidence_interval.low) < 0.35 * spread
    assert abs(interval.high - reference.confidence_interval.high) < 0.35 * spread
    assert np.std(ours, ddof=1) == pytest.approx(spread, rel=0.1)


def test_percentile_interval_leaves_out_undefined_resamples() -> None:
    values = np.array([np.nan, 1.0, 2.0, 3.0, 4.0, np.nan])
    interval = bootstrap.percentile_interval(values, 0.5)
    assert (interval.low, interval.high) == tuple(np.quantile([1, 2, 3, 4], [0.25, 0.75]))
    assert (interval.resamples, interval.undefined) == (6, 2)


# --------------------------------------------------------------------------- McNemar


@pytest.mark.parametrize(
    ("b", "c"), [(0, 1), (0, 7), (3, 12), (5, 5), (6, 5), (40, 61), (17, 3), (1000, 1090)]
)
def test_mcnemar_exact_p_value_equals_scipy_binomtest(b: int, c: int) -> None:
    expected = stats.binomtest(b, b + c, 0.5).pvalue
    assert bootstrap.mcnemar_exact(b, c) == pytest.approx(expected, rel=1e-9)


def test_mcnemar_without_discordant_pairs_is_one() -> None:
    assert bootstrap.mcnemar_exact(0, 0) == 1.0

"""Speed and memory of the shadow kind's paired bootstrap, printed in one run (``nox -s bench``).

1. closeout's paired bootstrap against ``scipy.stats.bootstrap(paired=True, vectorized=True,
   method="percentile")`` for the accuracy and MAE differences of two models on 100,000 rows
   with 2,000 resamples; target ratio closeout / scipy <= 1.0. scipy runs in batches of
   ``--scipy-batch`` resamples (default 200: its fastest setting here; its default of one
   batch holds every resample at once, ~6.5 GB for this size, and is about twice as slow:
   pass ``--scipy-batch 0`` to measure that).
2. Peak memory of 10,000 resamples of 100,000 rows (accuracy and ROC AUC in one pass,
   as a scenario comparing them would run), measured with tracemalloc; target < 1 GB.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import stats

from closeout.kinds.shadow import bootstrap, metrics
from closeout.kinds.shadow.encode import Output, Truth

ROWS = 100_000
RESAMPLES = 2_000
MEMORY_RESAMPLES = 10_000
MEMORY_LIMIT = 1 << 30


def classification() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    y = (rng.random(ROWS) < 0.35).astype(np.int64)
    baseline = np.clip(0.3 + 0.35 * y + rng.normal(0, 0.22, ROWS), 0, 1).round(4)
    candidate = np.clip(0.3 + 0.38 * y + rng.normal(0, 0.22, ROWS), 0, 1).round(4)
    return y, baseline, candidate


def regression() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2)
    y = rng.normal(100, 20, ROWS)
    return y, y + rng.normal(0, 6.0, ROWS), y + rng.normal(0, 5.8, ROWS)


def scores(values: np.ndarray) -> Output:
    return Output("s", "scores", decisions=(values >= 0.5).astype(np.int64), scores=values)


def accuracy_difference(y: Any, baseline: Any, candidate: Any, axis: int = -1) -> Any:
    return (np.asarray(candidate >= 0.5) == y).mean(axis=axis) - (
        np.asarray(baseline >= 0.5) == y
    ).mean(axis=axis)


def mae_difference(y: Any, baseline: Any, candidate: Any, axis: int = -1) -> Any:
    return np.abs(candidate - y).mean(axis=axis) - np.abs(baseline - y).mean(axis=axis)


def closeout_interval(metric: str, data: metrics.Slice, cand: Output, base: Output) -> Any:
    def statistic(sample: metrics.Sample) -> np.ndarray:
        return metrics.difference(metric, sample, data, cand, base)[:, None]

    spread = bootstrap.distribution(statistic, ROWS, RESAMPLES, np.random.default_rng(7))
    return bootstrap.percentile_interval(spread[:, 0], 0.95)


def scipy_interval(function: Callable[..., Any], arrays: tuple[Any, ...], batch: int) -> Any:
    result = stats.bootstrap(
        arrays,
        function,
        paired=True,
        vectorized=True,
        n_resamples=RESAMPLES,
        batch=batch or None,
        method="percentile",
        rng=np.random.default_rng(7),
    )
    return result.confidence_interval


def timed(function: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Best wall time of ``runs`` runs (the machine is shared; the minimum is the signal)."""
    best, value = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - start)
    return best, value


def compare_speed(batch: int, runs: int) -> list[float]:
    y, base, cand = classification()
    binary = metrics.Slice(Truth("binary", y, (0, 1), 1))
    yr, base_r, cand_r = regression()
    values = metrics.Slice(Truth("regression", yr))
    cases = [
        (
            "accuracy",
            lambda: closeout_interval("accuracy", binary, scores(cand), scores(base)),
            lambda: scipy_interval(accuracy_difference, (y, base, cand), batch),
        ),
        (
            "mae",
            lambda: closeout_interval(
                "mae",
                values,
                Output("c", "values", values=cand_r),
                Output("b", "values", values=base_r),
            ),
            lambda: scipy_interval(mae_difference, (yr, base_r, cand_r), batch),
        ),
    ]
    ratios = []
    shown = f"batch={batch}" if batch else "one batch (scipy's default)"
    print(f"paired bootstrap, {ROWS:,} rows x {RESAMPLES:,} resamples (best of {runs}):")
    for name, ours, theirs in cases:
        our_time, our_interval = timed(ours, runs)
        their_time, their_interval = timed(theirs, runs)
        ratio = our_time / their_time
        ratios.append(ratio)
        print(
            f"  {name:<8} closeout {our_time:6.2f} s   scipy ({shown}) {their_time:6.2f} s   "
            f"ratio {ratio:.2f} (target <= 1.0)"
        )
        print(
            f"           intervals: closeout [{our_interval.low:+.5f}, {our_interval.high:+.5f}]"
            f"  scipy [{their_interval.low:+.5f}, {their_interval.high:+.5f}]"
        )
    return ratios


def peak_memory() -> tuple[int, float]:
    """Peak traced memory of 10,000 resamples of two metrics on 100,000 rows."""
    y, base, cand = classification()
    data = metrics.Slice(Truth("binary", y, (0, 1), 1))
    candidate, baseline = scores(cand), scores(base)

    def statistic(sample: metrics.Sample) -> np.ndarray:
        columns = [
            metrics.difference(metric, sample, data, candidate, baseline)
            for metric in ("accuracy", "roc_auc")
        ]
        return np.stack(columns, axis=1)

    tracemalloc.start()
    start = time.perf_counter()
    bootstrap.distribution(statistic, ROWS, MEMORY_RESAMPLES, np.random.default_rng(3))
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scipy-batch", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    options, _ = parser.parse_known_args()
    ratios = compare_speed(options.scipy_batch, options.runs)
    peak, elapsed = peak_memory()
    print(
        f"memory: {ROWS:,} rows x {MEMORY_RESAMPLES:,} resamples (accuracy, roc_auc): "
        f"peak {peak / 2**20:.0f} MiB traced in {elapsed:.1f} s (target < 1024 MiB; chunks of "
        f"{bootstrap.chunk_size(ROWS)} resamples)"
    )
    ok = max(ratios) <= 1.0 and peak < MEMORY_LIMIT
    print(f"shadow bootstrap targets: {'met' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()

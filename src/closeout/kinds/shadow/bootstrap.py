"""Paired bootstrap of metric differences, percentile intervals and McNemar's exact test.

The bootstrap draws row indices exactly as ``scipy.stats.bootstrap(..., paired=True)`` does
(``rng.integers(0, n, (batch, n))`` per batch), so with the same generator and batch size it
sees the same resamples. It is vectorised and memory-bounded: resamples are drawn in chunks of
about ``CHUNK_ELEMENTS`` indices and each chunk is reduced to one number per statistic before
the next is drawn, so 10,000 resamples of 100,000 rows never hold more than a few chunks.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from closeout.kinds.shadow.metrics import Sample

# ~32 MB of int64 indices per chunk; the chunk size depends only on n, so a seed gives the
# same resamples on every machine.
CHUNK_ELEMENTS = 1 << 22


def generator(seed: int, slice_key: str) -> np.random.Generator:
    """The slice's random generator: the scenario seed mixed with a stable hash of the slice."""
    return np.random.default_rng([seed, zlib.crc32(slice_key.encode())])


def chunk_size(n: int, chunk_elements: int = CHUNK_ELEMENTS) -> int:
    """Resamples per chunk for ``n`` rows."""
    return max(1, chunk_elements // max(n, 1))


def samples(
    n: int, resamples: int, rng: np.random.Generator, per_chunk: int | None = None
) -> Iterator[Sample]:
    """Batches of resamples of ``n`` rows, ``per_chunk`` at a time."""
    batch = per_chunk or chunk_size(n)
    done = 0
    while done < resamples:
        size = min(batch, resamples - done)
        yield Sample(rng.integers(0, n, (size, n)), n)
        done += size


def distribution(
    statistic: Callable[[Sample], np.ndarray],
    n: int,
    resamples: int,
    rng: np.random.Generator,
    per_chunk: int | None = None,
    drawn: Callable[[int], None] | None = None,
) -> np.ndarray:
    """The bootstrap distribution of ``statistic`` (B, s) over ``resamples``: (resamples, s).

    ``drawn(count)`` is told after each chunk how many resamples it held (for progress)."""
    parts = []
    for sample in samples(n, resamples, rng, per_chunk):
        parts.append(np.asarray(statistic(sample)))
        if drawn is not None:
            drawn(sample.size)
    stacked = np.concatenate([p.reshape(len(p), -1) for p in parts], axis=0)
    return stacked


@dataclass(frozen=True)
class Interval:
    """A two-sided percentile interval and how many resamples it rests on."""

    low: float
    high: float
    resamples: int
    undefined: int  # resamples where the statistic was undefined (e.g. AUC with one class)


def percentile_interval(values: np.ndarray, confidence: float) -> Interval:
    """The percentile interval at ``confidence``, as scipy computes it (linear quantiles)."""
    defined = values[~np.isnan(values)]
    undefined = len(values) - len(defined)
    if len(defined) == 0:
        return Interval(float("nan"), float("nan"), len(values), undefined)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(defined, [alpha, 1 - alpha])
    return Interval(float(low), float(high), len(values), undefined)


def mcnemar_exact(baseline_only: int, candidate_only: int) -> float:
    """Two-sided exact McNemar p-value from the discordant counts (a binomial test, p = 1/2)."""
    from scipy.stats import binom

    discordant = baseline_only + candidate_only
    if discordant == 0:
        return 1.0
    smaller = min(baseline_only, candidate_only)
    # The binomial with p = 1/2 is symmetric: both tails weigh the same.
    return float(min(1.0, 2.0 * binom.cdf(smaller, discordant, 0.5)))

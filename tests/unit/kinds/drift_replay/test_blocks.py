"""The KS statistic from block bounds is scipy's ``ks_2samp`` statistic (within 1e-12; the same
float with scipy 1.17).

``blocks.ks_statistic`` locates only the window values whose gap may be the largest; the
oracle is ``scipy.stats.ks_2samp(...).statistic`` on the same two samples. References are
large enough to be cut into blocks (else every value is located, as before), with ties
across block edges, constant stretches, integer values and windows of one value.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import ks_2samp

from closeout.kinds.drift_replay import blocks
from closeout.kinds.drift_replay.reference import Sample

# The contract (issue 13): scores within 1e-12 of scipy's. With scipy 1.17 the block statistic
# is the very same float; scipy 1.18 sums in another order and differs by ~1e-16.
SAME = 1e-12
SHAPES = ["normal", "rounded", "integers", "constant-run", "two-values"]


def sample(shape: str, size: int, shift: float, rng: np.random.Generator) -> np.ndarray:
    if shape == "normal":
        return rng.normal(shift, 1, size)
    if shape == "rounded":
        return np.round(rng.normal(shift, 1, size), 1)
    if shape == "integers":
        return rng.integers(0, 30, size).astype(float) + np.round(shift * 10)
    if shape == "constant-run":
        values = rng.normal(shift, 1, size)
        values[: size // 2] = 0.0
        return values
    return rng.choice([0.0, 1.0 + shift], size)


@settings(max_examples=60, deadline=None, database=None)
@given(
    shape=st.sampled_from(SHAPES),
    reference_size=st.integers(blocks._MIN_REFERENCE, 3 * blocks._MIN_REFERENCE),
    window_size=st.one_of(st.integers(1, 5), st.integers(6, 4000)),
    shift=st.floats(-0.5, 0.5),
    seed=st.integers(0, 2**32 - 1),
)
def test_the_block_statistic_is_scipys(
    shape: str, reference_size: int, window_size: int, shift: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    reference_values = sample(shape, reference_size, 0.0, rng)
    window_values = sample(shape, window_size, shift, rng)
    reference = Sample(reference_values, True)
    assert blocks.cuts(reference) is not None  # the block path, not the plain search
    got = blocks.ks_statistic(reference, Sample(window_values, True))
    want = ks_2samp(reference_values, window_values).statistic
    assert got == pytest.approx(want, abs=SAME, rel=0)


def test_few_window_values_are_located_in_the_reference() -> None:
    rng = np.random.default_rng(3)
    reference = Sample(rng.normal(0, 1, 200_000), True)
    window = Sample(rng.normal(0.05, 1, 10_000), True)
    found = blocks.cuts(reference)
    assert found is not None
    distinct = window.distinct
    kept = blocks._candidates(found, distinct.values, distinct.ends, reference.n, window.n)
    assert 0 < len(kept) < len(distinct.values) // 10
    want = ks_2samp(reference.values, window.values).statistic
    assert blocks.ks_statistic(reference, window) == pytest.approx(want, abs=SAME, rel=0)


def test_a_small_reference_locates_every_value() -> None:
    rng = np.random.default_rng(4)
    values = rng.normal(0, 1, blocks._MIN_REFERENCE - 1)
    reference = Sample(values, True)
    assert blocks.cuts(reference) is None
    window = rng.normal(0.2, 1, 300)
    got = blocks.ks_statistic(reference, Sample(window, True))
    assert got == pytest.approx(ks_2samp(values, window).statistic, abs=SAME, rel=0)

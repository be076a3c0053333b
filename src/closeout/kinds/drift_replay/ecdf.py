"""Distances between the reference's and a window's ECDFs: wasserstein (normed) and ed.

scipy's ``wasserstein_distance`` and ``energy_distance`` (``_cdf_distance``) sort both
samples together, ``argsort`` each one and ``searchsorted`` every value into both on each
call. Against a reference sorted once, the same arrays come from a merge: the window's
sorted values are placed among the reference's with one ``searchsorted`` of m keys, and the
count of reference (or window) values at or below each merged value is a running count of
where each value came from, read at the end of its run of equal values. The merged values,
their differences and both ECDFs are then the very float64 arrays scipy builds. The arrays
live in a workspace kept with the reference (a window allocates nothing of the reference's
size: fresh pages cost more than the arithmetic on a busy machine).

scipy sums ``|F - G| * delta`` with ``np.vecdot`` (BLAS, multi-threaded: slow when the cores
are busy). Here the sum is numpy's pairwise sum, within ~1e-15 relative of it; when the
result exceeds ``_EXACT_ABOVE`` (a reference with ~zero spread makes the normed score huge,
where 1e-15 relative is more than 1e-12 absolute) scipy's own ``np_vecdot`` is used and the
result is scipy's to the last bit. tests/unit/kinds/drift_replay/test_fast_stattests.py
checks both against evidently's functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from closeout.kinds.drift_replay.reference import Sample

if TYPE_CHECKING:
    import numpy as np

Result = tuple[float, bool]
_EXACT_ABOVE = 100.0


def _vecdot(x1: np.ndarray, x2: np.ndarray) -> Any:
    """scipy's own dot product for these integrals (``np.vecdot`` on numpy 2)."""
    try:
        from scipy._lib._util import np_vecdot
    except ImportError:  # a scipy that moved it: numpy's vecdot is what it wraps
        import numpy as np

        return np.vecdot(x1, x2)
    return np_vecdot(x1, x2)


class _Workspace:
    """Arrays of the reference's size plus a window's, reused window after window."""

    def __init__(self, size: int) -> None:
        import numpy as np

        self.size = size
        self.merged = np.empty(size)
        self.mask = np.empty(size, dtype=bool)
        self.inverse = np.empty(size, dtype=bool)
        self.reference_upto = np.empty(size, dtype=np.int64)
        self.counting = np.arange(1, size + 1, dtype=np.int64)
        self.first = np.empty(size)
        self.second = np.empty(size)
        self.third = np.empty(size)


def _workspace(reference: Sample, size: int) -> _Workspace:
    found = reference.__dict__.get("_workspace")
    if not isinstance(found, _Workspace) or found.size < size:
        found = _Workspace(max(size, int(size * 1.25)))
        reference.__dict__["_workspace"] = found
    return found


def ecdf_difference(reference: Sample, window: Sample) -> tuple[np.ndarray, np.ndarray]:
    """scipy's ``u_cdf - v_cdf`` at every merged value but the last, and the ``deltas``
    (views into the reference's workspace, valid until the next window)."""
    import numpy as np

    ref_sorted, win_sorted = reference.sorted, window.sorted
    n, m = len(ref_sorted), len(win_sorted)
    size = n + m
    space = _workspace(reference, size)
    at = np.searchsorted(ref_sorted, win_sorted, side="right") + np.arange(m)
    mask, inverse, merged = space.mask[:size], space.inverse[:size], space.merged[:size]
    mask.fill(False)
    mask[at] = True
    np.logical_not(mask, out=inverse)
    np.place(merged, mask, win_sorted)
    np.place(merged, inverse, ref_sorted)
    # window values at or before each merged position: a step function rising by one at
    # each window value (np.repeat of the counts: a cumulative sum of the mask is 10x slower)
    gaps = np.diff(at, prepend=0, append=size)
    window_upto = np.repeat(space.counting[: m + 1] - 1, gaps)
    reference_upto = np.subtract(
        space.counting[:size], window_upto, out=space.reference_upto[:size]
    )
    deltas = np.subtract(merged[1:], merged[:-1], out=space.second[: size - 1])
    if np.count_nonzero(deltas) < len(deltas):  # ties: read each run of equals at its end
        run_ends = np.flatnonzero(np.append(deltas != 0, True))
        run_of = np.repeat(run_ends, np.diff(run_ends, prepend=-1))
        window_upto, reference_upto = window_upto[run_of], reference_upto[run_of]
    difference = np.divide(reference_upto[:-1], n, out=space.first[: size - 1])
    difference -= np.divide(window_upto[:-1], m, out=space.third[: size - 1])
    return difference, deltas


def _integral(values: np.ndarray, deltas: np.ndarray, exact: bool) -> float:
    import numpy as np

    if exact:
        return float(_vecdot(values, deltas))
    return float(np.sum(np.multiply(values, deltas, out=values)))


def wasserstein(reference: Sample, window: Sample, threshold: float) -> Result | None:
    """evidently's ``wasserstein``: scipy's W1 distance over the reference's std (>= 0.001)."""
    import numpy as np

    norm = reference_norm(reference)
    for exact in (False, True):
        difference, deltas = ecdf_difference(reference, window)
        score = _integral(np.abs(difference, out=difference), deltas, exact) / norm
        if score <= _EXACT_ABOVE:
            break
    return score, score >= threshold


def reference_norm(reference: Sample) -> float:
    """``max(float(np.std(reference_data)), 0.001)``, as evidently computes it (cached)."""
    import numpy as np

    cached = reference.__dict__.get("_norm")
    if cached is None:
        cached = max(float(np.std(reference.series)), 0.001)
        reference.__dict__["_norm"] = cached
    return float(cached)


def energy(reference: Sample, window: Sample, threshold: float) -> Result | None:
    """evidently's ``ed``: ``scipy.stats.energy_distance``, drift above the threshold."""
    import numpy as np

    for exact in (False, True):
        difference, deltas = ecdf_difference(reference, window)
        squared = _integral(np.square(difference, out=difference), deltas, exact)
        distance = float(np.sqrt(2) * np.sqrt(squared))
        if distance <= _EXACT_ABOVE:
            break
    return distance, distance > threshold

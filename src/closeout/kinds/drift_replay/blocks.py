"""The two-sample KS statistic against a large sorted reference, locating few window values.

scipy's statistic is the largest gap between the two ECDFs: at each distinct window value v
(``before`` window values below it, ``ends`` at most it) the candidates are
``below / n - before / m`` and ``upto / n - ends / m``, where ``below`` and ``upto`` count
the reference values ``< v`` and ``<= v``. Locating every window value in the reference
(``searchsorted``: a cache miss per halving step in a reference of megabytes) costs more than
everything else in a window's test.

Most window values cannot hold the largest gap, and counts known only to a range show it.
The reference is cut once into ``_BLOCKS`` blocks at every ``step``-th sorted value; for
those cut values the reference counts at or below them are exact. Every window value lies
between two cut values, which bound its ``below`` and ``upto``; so each block of window
values bounds the gaps of its values from above and below, using only its first and last
value. Blocks whose bounds cannot reach the largest (or smallest) gap a block guarantees are
skipped; the values of the others are located exactly and the gaps computed with scipy's
very floating-point operations. The statistic is the same float as before: every value that
attains the extreme exactly is kept (bounds are compared as exact integers, ``count * m -
window_count * n``), and distinct gaps differ by at least ``1 / (n * m)``, far more than
rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from closeout.kinds.drift_replay.reference import Sample

if TYPE_CHECKING:
    import numpy as np

# Blocks the reference is cut into: more blocks bound tighter, fewer cost less per window.
_BLOCKS = 2048
# Below this many reference values every window value is located directly (cheap anyway).
_MIN_REFERENCE = 8 * _BLOCKS
# Integer bounds are products count * size: stay far from int64 overflow.
_MAX_PRODUCT = 2**62


@dataclass(frozen=True)
class Cuts:
    """Every ``step``-th sorted reference value and the reference counts around them."""

    values: np.ndarray  # float64, ascending (repeats possible)
    low: np.ndarray  # int64, len(values) + 1: reference values below block j's values, at least
    high: np.ndarray  # int64, len(values) + 1: reference values at most block j's, at most


def cuts(reference: Sample) -> Cuts | None:
    """The reference's cut values (cached); None for a reference small enough to search."""
    if "_cuts" in reference.__dict__:
        found: Cuts | None = reference.__dict__["_cuts"]
        return found
    import numpy as np

    made = None
    ordered = reference.sorted
    if len(ordered) >= _MIN_REFERENCE:
        values = np.ascontiguousarray(ordered[:: len(ordered) // _BLOCKS])
        at_most = np.searchsorted(ordered, values, side="right").astype(np.int64)
        # block j holds window values in (values[j-1], values[j]]: block 0 those up to the
        # smallest reference value, the last block those above the last cut value
        made = Cuts(
            values,
            np.concatenate(([0], at_most)).astype(np.int64),
            np.concatenate((at_most, [len(ordered)])).astype(np.int64),
        )
    reference.__dict__["_cuts"] = made
    return made


def ks_statistic(reference: Sample, window: Sample) -> Any:
    """scipy's ``ks_2samp`` statistic (two-sided) for these samples, as the same float."""
    import numpy as np

    n, m = reference.n, window.n
    distinct = window.distinct
    values, ends = distinct.values, distinct.ends
    found = cuts(reference)
    if found is None or n * m >= _MAX_PRODUCT:
        keys = None
    else:
        keys = _candidates(found, values, ends, n, m)
    ordered = reference.sorted
    chosen = values if keys is None else values[keys]
    upto_window = ends if keys is None else ends[keys]
    before = upto_window - (distinct.counts if keys is None else distinct.counts[keys])
    below = np.searchsorted(ordered, chosen, side="left")
    upto = np.searchsorted(ordered, chosen, side="right")
    differences = np.concatenate((below / n - before / m, upto / n - upto_window / m))
    low = np.clip(-differences.min(), 0, 1)
    high = differences.max()
    return low if low > high else high


def _candidates(found: Cuts, values: np.ndarray, ends: np.ndarray, n: int, m: int) -> np.ndarray:
    """Positions of the window values whose gaps may be the largest or the smallest."""
    import numpy as np

    k = len(values)
    at_most = np.searchsorted(values, found.values, side="right")
    starts = np.concatenate(([0], at_most))  # block j: window values starts[j]:stops[j]
    stops = np.concatenate((at_most, [k]))
    used = np.flatnonzero(stops > starts)
    starts, stops = starts[used], stops[used]
    cumulative = np.concatenate(([0], ends))
    first = cumulative[starts] * n  # window values below the block's first value, times n
    last = cumulative[stops] * n  # window values up to its last value, times n
    low, high = found.low[used] * m, found.high[used] * m
    largest = (low - first).max()  # some gap is at least this
    smallest = (high - last).min()  # and some gap at most this
    keep = ((high - first) >= largest) | ((low - last) <= smallest)
    starts, stops = starts[keep], stops[keep]
    lengths = stops - starts
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    result: np.ndarray = offsets + np.arange(int(lengths.sum()))
    return result

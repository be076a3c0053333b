"""Binned and count tests: psi, kl_div, jensenshannon, hellinger, chisquare, g_test, z.

evidently bins a numeric column with many distinct values by Sturges' rule over reference
and window *together* (``np.histogram_bin_edges(concat, "sturges")``), so the bins cannot be
fixed in advance; but they depend only on the combined minimum, maximum, size and dtype,
and the reference's count in any bin is a difference of two ``searchsorted`` positions in
the reference sorted once (``np.histogram`` with explicit edges counts exactly that way).
Categorical columns (and numeric ones with at most 20 distinct reference values) are counted
by value: the reference's counts and distinct values are taken once, and each window's keys
are formed with the very set operations evidently uses, so even the order of summation
matches. The formulas below are evidently's (``get_binned_data`` and the stattests), line
for line, on those counts.
"""

from __future__ import annotations

from math import sqrt
from typing import TYPE_CHECKING, Any

from closeout.kinds.drift_replay.reference import Sample

if TYPE_CHECKING:
    import numpy as np

Result = tuple[float, bool]
# evidently bins numeric columns by value up to this many distinct reference values
BY_VALUE_MAX = 20


def sturges_edges(low: Any, high: Any, size: int, integer: bool) -> np.ndarray:
    """``np.histogram_bin_edges(a, "sturges")`` from a's minimum, maximum, size and dtype."""
    import numpy as np

    first, last = low, high
    if first == last:
        first = first - 0.5
        last = last + 0.5
    width = _unsigned_subtract(high, low) / (np.log2(size) + 1.0)
    if width:
        if integer and width < 1:
            width = 1
        bins = int(np.ceil(_unsigned_subtract(last, first) / width))
    else:
        bins = 1
    bin_type = np.result_type(first, last, np.empty(0, np.int64 if integer else np.float64))
    if np.issubdtype(bin_type, np.integer):
        bin_type = np.result_type(bin_type, float)
    return np.linspace(first, last, bins + 1, endpoint=True, dtype=bin_type)


def _unsigned_subtract(a: Any, b: Any) -> Any:
    """numpy's helper: a - b, in the unsigned type for integers (no overflow)."""
    import numpy as np

    dtype = np.result_type(a, b)
    if np.issubdtype(dtype, np.signedinteger):
        unsigned = np.dtype(f"u{dtype.itemsize}")
        return np.subtract(
            np.asarray(a, dtype=dtype), np.asarray(b, dtype=dtype), casting="unsafe", dtype=unsigned
        )
    return np.subtract(a, b, dtype=dtype)


def histogram(ordered: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """``np.histogram(values, edges)[0]`` from the values sorted (the last bin is closed)."""
    import numpy as np

    positions = np.concatenate(
        (ordered.searchsorted(edges[:-1], "left"), ordered.searchsorted(edges[-1:], "right"))
    )
    return np.diff(positions)


def by_value(reference: Sample) -> bool:
    """Whether evidently bins this column by value rather than by Sturges' rule."""
    return not reference.numeric or reference.nunique <= BY_VALUE_MAX


def keys(reference: Sample, window: Sample) -> list[Any]:
    """``list(set(reference.unique()) | set(window.unique()))``, in evidently's order."""
    return list(reference.key_set | set(window.unique))


def percents(reference: Sample, window: Sample, fill_zeroes: bool) -> tuple[Any, Any]:
    """evidently's ``get_binned_data``: each sample's share per bin or per value."""
    import numpy as np

    if not by_value(reference):
        edges = sturges_edges(
            min(reference.low, window.low),
            max(reference.high, window.high),
            reference.n + window.n,
            reference.integer and window.integer,
        )
        reference_percents = histogram(reference.sorted, edges) / reference.n
        current_percents = histogram(window.sorted, edges) / window.n
    else:
        found = keys(reference, window)
        reference_counts = {**dict.fromkeys(found, 0), **reference.counts}
        current_counts = {**dict.fromkeys(found, 0), **window.counts}
        reference_percents = np.array([reference_counts[k] / reference.n for k in found])
        current_percents = np.array([current_counts[k] / window.n for k in found])
    if fill_zeroes:
        _fill_zeroes(reference_percents)
        _fill_zeroes(current_percents)
    return reference_percents, current_percents


def _fill_zeroes(shares: np.ndarray) -> None:
    import numpy as np

    smallest = min(shares[shares != 0])
    np.place(shares, shares == 0, smallest / 10**6 if smallest <= 0.0001 else 0.0001)


def psi(reference: Sample, window: Sample, threshold: float) -> Result | None:
    import numpy as np

    ref, cur = percents(reference, window, True)
    score = np.sum((ref - cur) * np.log(ref / cur))
    return float(score), bool(score >= threshold)


def kl_div(reference: Sample, window: Sample, threshold: float) -> Result | None:
    from scipy import stats

    ref, cur = percents(reference, window, True)
    score = stats.entropy(ref, cur)
    return float(score), bool(score >= threshold)


def jensenshannon(reference: Sample, window: Sample, threshold: float) -> Result | None:
    from scipy.spatial import distance

    ref, cur = percents(reference, window, False)
    score = distance.jensenshannon(ref, cur, None)
    return float(score), bool(score >= threshold)


def hellinger(reference: Sample, window: Sample, threshold: float) -> Result | None:
    """evidently's ``hellinger``: by category, or over Sturges bins of the distinct values."""
    import numpy as np

    total = 0.0
    if not reference.numeric:
        for key in keys(reference, window):
            p1 = reference.counts.get(key, 0) / reference.n
            p2 = window.counts.get(key, 0) / window.n
            total += sqrt(float(p1) * float(p2))
    else:
        # evidently bins the distinct values of both samples; their array is integer only
        # when no float value joined the reference's integers
        size = reference.union_count(window)
        integer = reference.integer and (window.integer or size == len(reference.distinct.values))
        low, high = min(reference.low, window.low), max(reference.high, window.high)
        if integer:
            low, high = np.int64(low), np.int64(high)
        bins = sturges_edges(low, high, size, integer)
        widths = np.array(np.diff(bins), float)
        h1 = _density(histogram(reference.sorted, bins), widths)
        h2 = _density(histogram(window.sorted, bins), widths)
        bin_width = (max(bins) - min(bins)) / (len(bins) - 1)
        for p1, p2 in zip(h1, h2, strict=True):
            total += sqrt(float(p1) * float(p2)) * bin_width
    clipped = np.clip(total, 0, 1)
    score = sqrt(1 - clipped)
    return score, score >= threshold


def _density(counts: np.ndarray, widths: np.ndarray) -> np.ndarray:
    result: np.ndarray = counts / widths / counts.sum()
    return result


def _count_lists(reference: Sample, window: Sample) -> tuple[list[Any], list[int], list[int]]:
    found = keys(reference, window)
    reference_counts = {**dict.fromkeys(found, 0), **reference.counts}
    current_counts = {**dict.fromkeys(found, 0), **window.counts}
    return found, [reference_counts[k] for k in found], [current_counts[k] for k in found]


def chisquare(reference: Sample, window: Sample, threshold: float) -> Result | None:
    """evidently's ``chisquare``: goodness of fit of the window to reference proportions."""
    from scipy.stats import chisquare as scipy_chisquare

    _, expected, observed = _count_lists(reference, window)
    k_norm = window.n / reference.n
    p_value = scipy_chisquare(observed, [e * k_norm for e in expected])[1]
    return float(p_value), bool(p_value < threshold)


def g_test(reference: Sample, window: Sample, threshold: float) -> Result | None:
    from scipy.stats import power_divergence

    _, expected, observed = _count_lists(reference, window)
    p_value = power_divergence(observed, expected, lambda_="log-likelihood")[1]
    return float(p_value), bool(p_value < threshold)


def z(reference: Sample, window: Sample, threshold: float) -> Result | None:
    """evidently's ``z``: two-proportion z-test on "first sorted value" against the rest."""
    import numpy as np
    from scipy.stats import norm

    same = (
        reference.nunique == 1 and window.nunique == 1 and reference.unique[0] == window.unique[0]
    )
    if same:
        return 1.0, threshold > 1
    first = sorted(keys(reference, window))[0]
    n1, n2 = reference.n, window.n
    p1 = float(n1 - reference.counts.get(first, 0)) / n1
    p2 = float(n2 - window.counts.get(first, 0)) / n2
    pooled = float(p1 * n1 + p2 * n2) / (n1 + n2)
    statistic = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
    p_value = 2 * (1 - norm.cdf(np.abs(statistic)))
    return float(p_value), bool(p_value < threshold)

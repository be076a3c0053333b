"""Rank tests against a reference sorted once: ks, mannw, cramer_von_mises, t_test.

Each function returns exactly what evidently's stattest of that name returns for the same
two cleaned samples (p-value and drifted flag), or None when the case is one it leaves to
evidently itself (tiny samples where scipy switches to an exact method the shortcut does not
reproduce). The work per window is O(k log n) for k distinct window values instead of
sorting reference and window together: the window's distinct values are located in the
sorted reference with ``searchsorted``, and the statistic is assembled from counts. ``ks``
locates only the few window values that may hold its statistic (``blocks``).

Every quantity a p-value depends on is computed from the same integers, with the same
floating-point operations in the same order, as scipy (or evidently's own code) computes it,
so the p-values agree to the last bit or nearly; tests/unit/kinds/drift_replay/
test_fast_stattests.py checks them against evidently's functions on random data.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

from closeout.kinds.drift_replay.blocks import ks_statistic
from closeout.kinds.drift_replay.reference import Sample

if TYPE_CHECKING:
    import numpy as np

Result = tuple[float, bool]

# scipy's ks_2samp(method="auto") is exact when both samples have at most this many values
_KS_MAX_AUTO_N = 10_000
# p-values this close to the threshold are taken from scipy itself (see ks_pvalue)
_NEAR = 1e-9
# scipy's mannwhitneyu(method="auto") is asymptotic when both samples exceed this size
_MWU_EXACT_MAX = 8
# evidently's Cramer-von Mises is exact (a different formula) up to this sample size
_CVM_EXACT_MAX = 20


def positions(reference: Sample, window: Sample) -> tuple[np.ndarray, np.ndarray]:
    """For each distinct window value: reference values below it, and equal to it."""
    import numpy as np

    ordered = reference.sorted
    values = window.distinct.values
    below = np.searchsorted(ordered, values, side="left")
    hit = np.flatnonzero(ordered[np.minimum(below, len(ordered) - 1)] == values)
    equal = np.zeros(len(values), dtype=np.int64)
    if len(hit):  # ties with the reference: count them (rare for continuous data)
        equal[hit] = np.searchsorted(ordered, values[hit], side="right") - below[hit]
    return below, equal


def ks(reference: Sample, window: Sample, threshold: float) -> Result | None:
    """evidently's ``ks``: ``scipy.stats.ks_2samp`` p-value, drift at ``p <= threshold``."""
    # F - G is largest just below a window value (its last reference value there) and
    # smallest at a window value; blocks.ks_statistic finds both the way scipy computes them
    statistic = ks_statistic(reference, window)
    p_value = ks_pvalue(statistic, reference.n, window.n, threshold)
    return p_value, p_value <= threshold


def ks_pvalue(statistic: Any, n1: int, n2: int, threshold: float | None = None) -> float:
    """The p-value ``scipy.stats.ks_2samp(method="auto")`` reports for this statistic.

    Where scipy's two-sided asymptotic p-value is ``2 * smirnov(n, d)`` (an exact sum of n
    terms, evaluated term by term: 0.1 s for n = 120,000), the same sum is taken with
    scipy's vectorised binomial pmf (``_smirnov_sum``: within 1e-15 of scipy's, checked by
    tests/unit/kinds/drift_replay/test_fast_stattests.py); within ``_NEAR`` of the
    threshold scipy itself is asked, so the drifted flag is always scipy's.
    """
    import numpy as np
    from scipy.stats._stats_py import _attempt_exact_2kssamp

    mode = "exact" if max(n1, n2) <= _KS_MAX_AUTO_N else "asymp"
    prob: Any = -np.inf
    if mode == "exact":
        success, statistic, prob = _attempt_exact_2kssamp(
            n1, n2, math.gcd(n1, n2), statistic, "two-sided"
        )
        if not success:
            mode = "asymp"
            warnings.warn(
                f"ks_2samp: Exact calculation unsuccessful. Switching to method={mode}.",
                RuntimeWarning,
                stacklevel=2,
            )
    if mode == "asymp":
        larger, smaller = sorted([float(n1), float(n2)], reverse=True)
        size = np.round(larger * smaller / (larger + smaller))
        prob = _smirnov_sum(float(statistic), size)
        near = threshold is not None and prob is not None and abs(prob - threshold) <= _NEAR
        if prob is None or near:
            prob = _kolmogorov_sf(statistic, size)
    return float(np.clip(prob, 0, 1))


def _kolmogorov_sf(statistic: Any, size: Any) -> Any:
    """``kstwo.sf(statistic, size)``: the function it evaluates, without its argument
    handling (a third of the cost for a window of 10,000 rows)."""
    import numpy as np
    from scipy.stats import distributions

    try:
        from scipy.stats._ksstats import _kolmogn
    except ImportError:  # a scipy that moved it: the public function gives the same value
        return distributions.kstwo.sf(statistic, size)
    return _kolmogn(int(size), np.float64(statistic), cdf=False)


def _smirnov_sum(x: float, n: float) -> float | None:
    """``kstwo.sf(x, n)`` where scipy computes it as ``2 * smirnov(n, x)``, else None.

    The branch is scipy's ``_kolmogn(n, x, cdf=False)`` for n > 140, 0 < x < 0.5,
    1 < n x < n - 1 and 2.2 <= n x**2 < 370. There ``smirnov(n, x)`` is the Birnbaum-Tingey
    sum over j of ``x / b * Binomial(n, b).pmf(j)`` with ``b = x + j / n``.
    """
    import numpy as np
    from scipy.stats import binom

    if not (0.0 < x < 0.5) or n <= 140 or int(n) != n:
        return None
    t = n * x
    squared = t * x
    if t <= 1.0 or t >= n - 1 or squared < 2.2 or squared >= 370.0:
        return None
    j = np.arange(int(np.floor(n * (1 - x))) + 1)
    b = x + j / n
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        total = float(np.sum(x / b * binom.pmf(j, int(n), b)))
    return min(max(2 * total, 0.0), 1.0)


def mannw(reference: Sample, window: Sample, threshold: float) -> Result | None:
    """evidently's ``mannw``: ``mannwhitneyu(reference, window, alternative="less")``."""
    import numpy as np
    from scipy import special

    n1, n2 = reference.n, window.n
    if min(n1, n2) <= _MWU_EXACT_MAX:
        return None  # scipy may choose its exact distribution here
    below, equal = positions(reference, window)
    counts = window.distinct.counts
    before = window.distinct.ends - counts
    # twice the window's rank sum in the pooled sample (midranks for ties), exactly
    twice = _dot(counts, 2 * (below + before) + equal + counts + 1)
    total = n1 + n2
    rank_sum = (total * (total + 1) - twice) / 2  # the reference's rank sum R1
    u1 = np.float64(rank_sum) - n1 * (n1 + 1) / 2
    u2 = n1 * n2 - u1
    ties = _tie_term(reference, equal, counts)
    s = np.sqrt(n1 * n2 / 12 * ((total + 1) - np.float64(ties) / (total * (total - 1))))
    numerator = u2 - n1 * n2 / 2
    numerator -= 0.5
    with np.errstate(divide="ignore", invalid="ignore"):
        z = numerator / s
    p_value = float(np.clip(special.ndtr(-z), 0.0, 1.0))
    return p_value, p_value < threshold


def _tie_term(reference: Sample, equal: np.ndarray, counts: np.ndarray) -> int:
    """sum(t**3 - t) over the tie groups of the pooled sample, in exact integers."""
    total = reference_ties(reference)
    tied = equal + counts
    return total + _cube_sum(tied) - _cube_sum(equal)


def reference_ties(reference: Sample) -> int:
    """sum(t**3 - t) over the reference's own tie groups (cached)."""
    cached = reference.__dict__.get("_ties")
    if cached is None:
        cached = _cube_sum(reference.distinct.counts)
        reference.__dict__["_ties"] = cached
    return int(cached)


def _cube_sum(t: np.ndarray) -> int:
    """sum(t**3 - t) exactly: int64 while it cannot overflow, else Python integers."""
    import numpy as np

    t = t[t > 1]
    if len(t) == 0:
        return 0
    if float(t.max()) ** 3 * len(t) < 2.0**62:
        t64 = t.astype(np.int64)
        return int(np.sum(t64 * t64 * t64 - t64))
    return sum(int(v) ** 3 - int(v) for v in t.tolist())


def cramer_von_mises(reference: Sample, window: Sample, threshold: float) -> Result | None:
    """evidently's own two-sample Cramer-von Mises test (its asymptotic branch)."""
    import numpy as np

    nx, ny = reference.n, window.n
    if max(nx, ny) <= _CVM_EXACT_MAX or min(nx, ny) <= 1:
        return None
    from evidently.legacy.calculations.stattests.cramer_von_mises_stattest import (
        _cdf_cvm_inf,
    )

    x_side, y_side = _cvm_sums(reference, window)
    u = nx * np.float64(x_side / 4)
    u += ny * np.float64(y_side / 4)
    k, total = nx * ny, nx + ny
    t = u / (k * total) - (4 * k - 1) / (6 * total)
    et = (1 + 1 / total) / 6
    vt = (total + 1.0) * (4 * k * total - 3 * (nx**2 + ny**2) - 2 * k)
    vt = vt / (45 * total**2 * 4 * k)
    tn = 1 / 6 + (t - et) / np.sqrt(45 * vt)
    p_value = 1.0 if tn < 0.003 else float(max(0, 1.0 - _cdf_cvm_inf(tn)))
    return p_value, p_value <= threshold


def _cvm_sums(reference: Sample, window: Sample) -> tuple[int, int]:
    """4 x sum((rank - i)**2) over each sample's sorted values, in the pooled midranks.

    For a tie group of ``a`` reference and ``b`` window values with ``cw`` window values
    below it, the reference's terms are ``(D - k)**2`` for k = 1..a with
    ``D = cw + (a + b + 1) / 2``; a group with no window value sums to
    ``a * cw**2 + (a**3 - a) / 12``. Reference values between two window values share
    ``cw``, so those sums come from counts; only tied groups are handled one by one.
    """
    import numpy as np

    below, equal = positions(reference, window)
    counts = window.distinct.counts
    ends = window.distinct.ends
    before = ends - counts
    n = reference.n
    # reference values in (u_i, u_{i+1}] have cw = ends[i]; those <= u_1 have cw = 0
    upto = below + equal
    following = np.append(below[1:] + equal[1:], n) - upto
    x_side = 4 * _dot(following, ends * ends)
    x_side += reference_ties(reference) // 3
    tied = equal > 0
    for a, b, cw in zip(
        equal[tied].tolist(), counts[tied].tolist(), before[tied].tolist(), strict=True
    ):
        twice_d = 2 * cw + a + b + 1
        exact = a * twice_d**2 - 2 * twice_d * a * (a + 1) + 2 * a * (a + 1) * (2 * a + 1) // 3
        x_side += exact - 4 * a * cw * cw - (a**3 - a) // 3
    twice_e = 2 * below + equal + counts + 1
    y_side = _dot(counts, twice_e * twice_e) - 2 * _dot(twice_e, counts * (counts + 1))
    y_side += sum(2 * b * (b + 1) * (2 * b + 1) // 3 for b in counts.tolist())
    return x_side, y_side


def _dot(a: np.ndarray, b: np.ndarray) -> int:
    """An exact integer dot product: int64 when it cannot overflow, else Python integers."""
    import numpy as np

    if len(a) == 0:
        return 0
    bound = float(np.abs(a).max()) * float(np.abs(b).max()) * len(a)
    if bound < 2.0**62:
        return int(np.dot(a.astype(np.int64), b.astype(np.int64)))
    return sum(int(x) * int(y) for x, y in zip(a.tolist(), b.tolist(), strict=True))


def t_test(reference: Sample, window: Sample, threshold: float) -> Result | None:
    """evidently's ``t_test``: ``scipy.stats.ttest_ind`` (equal variances), reference stats
    computed once."""
    import numpy as np

    if reference.n < 2 or window.n < 2:
        return None
    try:
        from scipy.stats._stats_py import (
            _equal_var_ttest_denom,
            _ttest_ind_from_stats,
            _var,
        )
    except ImportError:  # a scipy that moved them: evidently's own call is as exact
        return None
    mean1, var1 = reference_moments(reference)
    values = window.floats
    with np.errstate(divide="ignore", invalid="ignore"):
        var2 = _var(values, 0, ddof=1)
    mean2 = np.mean(values, axis=0)
    df, denom = _equal_var_ttest_denom(var1, reference.n, var2, window.n)
    _, prob = _ttest_ind_from_stats(mean1, mean2, denom, df, "two-sided")
    p_value = float(prob)
    return p_value, p_value < threshold


def reference_moments(reference: Sample) -> tuple[Any, Any]:
    """The reference's mean and ddof=1 variance as ``ttest_ind`` computes them (cached)."""
    import numpy as np
    from scipy.stats._stats_py import _var

    cached = reference.__dict__.get("_moments")
    if cached is None:
        with np.errstate(divide="ignore", invalid="ignore"):
            cached = (np.mean(reference.floats, axis=0), _var(reference.floats, 0, ddof=1))
        reference.__dict__["_moments"] = cached
    return cached[0], cached[1]

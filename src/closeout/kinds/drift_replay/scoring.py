"""Per-window drift scores: evidently's stattests, with the reference's work done once.

For each window and column closeout computes what evidently's ``ValueDrift`` computes: the
stattest evidently would use (the configured one, or evidently's automatic choice for this
window), on the column cleaned as evidently cleans it (infinities to NaN, NaNs dropped, rows
in file order), with the same threshold. Most stattests have a counterpart here that reads a
reference sorted or counted once per replay (``ranked``, ``ecdf``, ``binned``) and gives the
same score and flag (tests/unit/kinds/drift_replay/test_fast_stattests.py checks them against
evidently's functions on random data). The rest, and any case a counterpart declines (tiny
samples where scipy switches formula, float32 columns, categories mixing types), call
evidently's own stattest on the cleaned reference, kept for that purpose: ``anderson``,
``es``, ``empirical_mmd``, ``TVD`` and ``fisher_exact`` always do, since their statistics
couple every reference value with the window (combined IQR, kernel matrix, permutations).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from closeout.errors import DataError
from closeout.kinds.drift_replay import binned, blocks, ecdf, ranked
from closeout.kinds.drift_replay.data import KIND_WORDS, ColumnKind
from closeout.kinds.drift_replay.reference import Sample, clean
from closeout.kinds.drift_replay.spec import STATTESTS

# empirical_mmd builds an (n_ref + n_cur)^2 kernel matrix several times over.
MMD_MAX_ROWS = 5_000
# evidently's automatic choice depends on the reference size only through "<= 1000 rows"
# (registry._get_default_stattest); it is asked with a stand-in reference capped there.
_CHOICE_REFERENCE_CAP = 1001
# evidently's automatic choice is the same for every distinct count from here on (tested).
MANY_DISTINCT = 64

FastTest = Callable[[Sample, Sample, float], "tuple[float, bool] | None"]
FAST: dict[str, FastTest] = {
    "ks": ranked.ks,
    "mannw": ranked.mannw,
    "cramer_von_mises": ranked.cramer_von_mises,
    "t_test": ranked.t_test,
    "wasserstein": ecdf.wasserstein,
    "ed": ecdf.energy,
    "psi": binned.psi,
    "kl_div": binned.kl_div,
    "jensenshannon": binned.jensenshannon,
    "hellinger": binned.hellinger,
    "chisquare": binned.chisquare,
    "g_test": binned.g_test,
    "z": binned.z,
}
# the methods evidently's automatic choice can pick for a numeric or categorical column
AUTOMATIC = ("ks", "chisquare", "z", "wasserstein", "jensenshannon")


@dataclass
class Cell:
    """One column in one window: evidently's score and flag, then the corrected flag."""

    method: str
    threshold: float
    score: float
    drifted: bool  # evidently's own flag for this score and threshold
    p_value: bool
    adjusted: float | None = None  # the p-value after the correction across columns
    flagged: bool = False  # the flag the monitor acts on (after any correction)

    def as_json(self) -> dict[str, Any]:
        """The cell as a row of the window table; a non-finite score stays a float.

        The evidence layer writes NaN and infinities the one way SPEC §15 prescribes.
        """
        out: dict[str, Any] = {
            "method": self.method,
            "threshold": self.threshold,
            "score": self.score,
            "evidently_drifted": self.drifted,
            "drifted": self.flagged,
        }
        if self.adjusted is not None:
            out["adjusted_p_value"] = self.adjusted
        return out


def import_evidently() -> Any:
    """evidently's stattest registry, imported quietly (its import warns about itself)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        from evidently.legacy.calculations.stattests import registry
    return registry


@dataclass
class ColumnScorer:
    """Scores one monitored column of any window against the reference, cleaned once."""

    column: str
    kind: ColumnKind
    method: str | None  # None: evidently's automatic choice, per window as ValueDrift makes it
    threshold: float | None
    reference_raw: Any  # the reference column as read (released once prepared)
    source: str  # where the method was configured, for error messages
    reference_display: str
    seed: int = 0
    messages: set[str] = field(default_factory=set)  # warnings raised by the tests

    def __post_init__(self) -> None:
        if self.method is not None:
            self._check_type(self.method)
        self.reference = Sample(clean(self.reference_raw), self.kind == "num")
        self.reference_raw = None  # the cleaned sample is all that is needed from here on
        if self.reference.n == 0:
            raise DataError(
                f"{self.reference_display}: column '{self.column}' has no finite values"
            )
        self._choices: dict[int, str] = {}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            self._prepare()
        self.messages.update(f"{w.category.__name__}: {w.message}" for w in caught)

    def _check_type(self, method: str) -> None:
        info = STATTESTS[method]
        if self.kind not in info.types:
            suited = sorted(n for n, i in STATTESTS.items() if self.kind in i.types)
            raise DataError(
                f"{self.source}: '{method}' works on {KIND_WORDS[info.types[0]]} columns "
                f"only, but '{self.column}' is {KIND_WORDS[self.kind]} in "
                f"{self.reference_display}; for it use one of {', '.join(suited)} (set "
                f"monitor.per_column.{self.column}.method)"
            )

    def _prepare(self) -> None:
        """Compute what the reference's tests read, now: worker processes then share it."""
        import scipy.stats  # noqa: F401  (imported once here, not in every worker process)

        reference = self.reference
        if self.method is None or self.method not in FAST or not reference.exact:
            import_evidently()
        if reference.numeric and reference.exact:
            _ = reference.distinct
            if self.method in ("wasserstein", None):
                ecdf.reference_norm(reference)
            if self.method in ("ks", None):
                blocks.cuts(reference)
            if self.method == "t_test":
                ranked.reference_moments(reference)
            if self.method in ("mannw", "cramer_von_mises"):
                ranked.reference_ties(reference)
        if not reference.numeric or reference.nunique <= binned.BY_VALUE_MAX:
            _ = reference.key_set, reference.counts

    def score(self, values: Any, where: str = "") -> Cell | None:
        """evidently's score and flag for this window's values; None if it has no values."""
        window = Sample(clean(values), self.kind == "num")
        if window.n == 0:
            return None
        method = self.method if self.method is not None else self._choose(window)
        info = STATTESTS[method]
        threshold = info.default_threshold if self.threshold is None else self.threshold
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                score, drifted = self._run(method, window, threshold)
            except (ValueError, ArithmeticError, TypeError, IndexError) as exc:
                raise DataError(
                    f"{self.source}: evidently's '{method}' test failed on column "
                    f"'{self.column}'{where}: {exc}"
                ) from None
        self.messages.update(f"{w.category.__name__}: {w.message}" for w in caught)
        return Cell(
            method=method,
            threshold=float(threshold),
            score=float(score),
            drifted=bool(drifted),
            p_value=info.p_value,
        )

    def _run(self, method: str, window: Sample, threshold: float) -> tuple[Any, Any]:
        fast = FAST.get(method)
        if fast is not None and self.reference.exact and window.exact:
            found = fast(self.reference, window, threshold)
            if found is not None:
                return found
        return self._evidently(method, window, threshold)

    def _evidently(self, method: str, window: Sample, threshold: float) -> tuple[Any, Any]:
        """evidently's own stattest on the cleaned samples (file order)."""
        import numpy as np

        registry = import_evidently()
        column_type = registry.ColumnType(self.kind)
        stattest = registry.get_registered_stattest(method, column_type)
        if method == "empirical_mmd":
            self._check_mmd(window.n)
            np.random.seed(self.seed % 2**32)  # its permutations draw from numpy's global RNG
        result = stattest(self.reference.series, window.series, column_type, threshold)
        return result.drift_score, result.drifted

    def _choose(self, window: Sample) -> str:
        """evidently's automatic choice for this window.

        evidently decides from the column type, the reference size and the number of distinct
        values in reference and window together (``registry._get_default_stattest``); each
        distinct count is put to evidently once, with a stand-in reference of the same size
        class and that many distinct values. Counts of ``MANY_DISTINCT`` and more share one
        answer (evidently 0.7 compares the count with 2 and 5 only; tests/unit/kinds/
        drift_replay/test_scoring.py checks that up to 100,000).
        """
        # the union has at least the reference's distinct values: past MANY_DISTINCT of
        # those, no window changes the answer (and none is searched in the reference)
        distinct = MANY_DISTINCT
        if self.reference.nunique < MANY_DISTINCT:
            distinct = min(self.reference.union_count(window), MANY_DISTINCT)
        if distinct not in self._choices:
            self._choices[distinct] = _ask_evidently(self.kind, self.reference.n, distinct)
        return self._choices[distinct]

    def _check_mmd(self, current_rows: int) -> None:
        rows = self.reference.n + current_rows
        if rows > MMD_MAX_ROWS:
            raise DataError(
                f"{self.source}: empirical_mmd builds a {rows} x {rows} kernel matrix for "
                f"column '{self.column}' (more than {MMD_MAX_ROWS} rows in reference plus "
                "window); sample the reference or choose another method"
            )


def _ask_evidently(kind: ColumnKind, reference_rows: int, distinct: int) -> str:
    """evidently's default stattest for a reference of this size and this many distinct
    values in reference and window together."""
    import numpy as np
    import pandas as pd

    registry = import_evidently()
    reference = pd.Series(np.zeros(min(reference_rows, _CHOICE_REFERENCE_CAP)))
    current = pd.Series(np.arange(distinct, dtype=float))
    chosen = registry.get_stattest(reference, current, registry.ColumnType(kind), None)
    return str(chosen.name)

"""Per-window drift scores, computed by evidently's own stattests.

Exactness comes by construction: for each window and column closeout calls the very
``StatTest`` that evidently's ``ValueDrift`` calls, on the very data it would pass (the column
with infinities turned into NaN and NaNs dropped, rows in file order), with the same
threshold. Speed comes from doing nothing else: no ``Report``, no ``Dataset``, no histograms,
correlations or widgets per window (``DataDriftPreset`` computes every column about three
times), the reference cleaned once per column, and evidently's automatic method choice asked
once per distinct answer instead of once per window.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from closeout.errors import DataError
from closeout.kinds.drift_replay.data import KIND_WORDS, ColumnKind
from closeout.kinds.drift_replay.spec import STATTESTS

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

# evidently's automatic choice is the same for every distinct count from here on (tested).
MANY_DISTINCT = 64
# empirical_mmd builds an (n_ref + n_cur)^2 kernel matrix several times over.
MMD_MAX_ROWS = 5_000


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
    """Scores one monitored column of any window against the cleaned reference."""

    column: str
    kind: ColumnKind
    method: str | None  # None: evidently's automatic choice, per window as ValueDrift makes it
    threshold: float | None
    reference_raw: pd.Series
    source: str  # where the method was configured, for error messages
    reference_display: str
    seed: int = 0
    messages: set[str] = field(default_factory=set)  # warnings raised by the tests

    def __post_init__(self) -> None:
        import numpy as np

        self._registry = import_evidently()
        self._column_type = self._registry.ColumnType("num" if self.kind == "num" else "cat")
        raw = self.reference_raw
        if self.kind == "num" and bool(np.isfinite(raw.to_numpy()).all()):
            # evidently's cleaning would copy the very same values: skip the copy (memory)
            self.reference = raw
        else:
            self.reference = raw.replace([-np.inf, np.inf], np.nan).dropna()
        if self.reference.empty:
            raise DataError(
                f"{self.reference_display}: column '{self.column}' has no finite values"
            )
        self._fixed = self._registered() if self.method is not None else None
        self._choices: dict[int, Any] = {}
        self._unique: Any = None

    def _registered(self) -> Any:
        assert self.method is not None
        info = STATTESTS[self.method]
        if self.kind not in info.types:
            suited = sorted(n for n, i in STATTESTS.items() if self.kind in i.types)
            raise DataError(
                f"{self.source}: '{self.method}' works on {KIND_WORDS[info.types[0]]} columns "
                f"only, but '{self.column}' is {KIND_WORDS[self.kind]} in "
                f"{self.reference_display}; for it use one of {', '.join(suited)} (set "
                f"monitor.per_column.{self.column}.method)"
            )
        return self._registry.get_registered_stattest(self.method, self._column_type)

    def score(self, values: np.ndarray | pd.Series) -> Cell | None:
        """evidently's score and flag for this window's values; None if it has no values."""
        import numpy as np
        import pandas as pd

        current = pd.Series(values).replace([-np.inf, np.inf], np.nan).dropna()
        if current.empty:
            return None
        stattest = self._fixed if self._fixed is not None else self._choose(current)
        if stattest.name == "empirical_mmd":
            self._check_mmd(len(current))
            np.random.seed(self.seed % 2**32)  # its permutations draw from numpy's global RNG
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = stattest(self.reference, current, self._column_type, self.threshold)
        self.messages.update(f"{w.category.__name__}: {w.message}" for w in caught)
        return Cell(
            method=stattest.name,
            threshold=float(result.actual_threshold),
            score=float(result.drift_score),
            drifted=bool(result.drifted),
            p_value=STATTESTS[stattest.name].p_value,
        )

    def _choose(self, current: pd.Series) -> Any:
        """evidently's automatic choice for this window.

        evidently decides from the column type, the reference size and the number of distinct
        values in reference and window together (``registry._get_default_stattest``); the first
        time a distinct count occurs evidently itself is asked, with the real data. Counts of
        ``MANY_DISTINCT`` and more share one answer (evidently 0.7 compares the count with 2
        and 5 only; tests/unit/kinds/drift_replay/test_scoring.py checks that up to
        100,000), so a continuous column asks once, not once per window.
        """
        distinct = min(self._distinct_with(current), MANY_DISTINCT)
        if distinct not in self._choices:
            self._choices[distinct] = self._registry.get_stattest(
                self.reference, current, self._column_type, None
            )
        return self._choices[distinct]

    def _distinct_with(self, current: pd.Series) -> int:
        """``pd.concat([reference, current]).nunique()`` without re-hashing the reference."""
        import numpy as np

        if self.kind == "num":
            if self._unique is None:
                self._unique = np.unique(self.reference.to_numpy())
            window = np.unique(current.to_numpy())
            positions = np.searchsorted(self._unique, window)
            inside = positions < len(self._unique)
            known = np.zeros(len(window), dtype=bool)
            known[inside] = self._unique[positions[inside]] == window[inside]
            return len(self._unique) + int((~known).sum())
        if self._unique is None:
            self._unique = set(self.reference.unique())
        return len(self._unique | set(current.unique()))

    def _check_mmd(self, current_rows: int) -> None:
        rows = len(self.reference) + current_rows
        if rows > MMD_MAX_ROWS:
            raise DataError(
                f"{self.source}: empirical_mmd builds a {rows} x {rows} kernel matrix for "
                f"column '{self.column}' (more than {MMD_MAX_ROWS} rows in reference plus "
                "window); sample the reference or choose another method"
            )

"""Encoding predictions against the labels: class decisions, scores, probabilities, values.

Raw predictions (a column, a file's column or a callable's return value) become an ``Output``:
decisions as indices into the sorted label classes, binary scores as the probability of the
positive class (decided at ``decision_threshold``, ``score >= threshold``), multiclass
probabilities as an (n, k) matrix whose columns follow the sorted classes, regression values
as floats. NaN, text, probabilities outside [0, 1] and unseen classes are ``DataError``s that
name the row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from closeout.errors import DataError
from closeout.kinds._toolkit.data import _row_line

if TYPE_CHECKING:
    import numpy as np

# Rows of multiclass probabilities must sum to 1 within this (float32 outputs included).
PROBABILITY_SUM_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Truth:
    """The labels: class indices into ``classes`` (classification) or floats (regression)."""

    task: str
    y: np.ndarray
    classes: tuple[Any, ...] = ()
    positive: int = -1  # index of the positive class (binary)


@dataclass(frozen=True)
class Output:
    """One model's predictions on every row, encoded against ``Truth``."""

    source: str
    form: str  # labels | scores | probabilities | values
    decisions: np.ndarray | None = None
    scores: np.ndarray | None = None
    values: np.ndarray | None = None

    def take(self, rows: np.ndarray) -> Output:
        def pick(array: np.ndarray | None) -> np.ndarray | None:
            return None if array is None else array[rows]

        return Output(
            self.source, self.form, pick(self.decisions), pick(self.scores), pick(self.values)
        )


@dataclass(frozen=True)
class Where:
    """Where predictions came from, to name a bad row: ``data.csv:7: column 'score'``."""

    what: str
    file: str | None = None  # rows are lines of this file (row order = data order)

    def row(self, index: int) -> str:
        if self.file is not None:
            return f"{_row_line(self.file, index)}: {self.what}"
        return f"{self.what}, row {index}"


def preview(values: list[Any], limit: int = 8) -> str:
    """The first ``limit`` values, comma-separated, with the total when there are more."""
    shown = ", ".join(str(v) for v in values[:limit])
    return shown + (f", ... ({len(values)} in all)" if len(values) > limit else "")


def encode_output(
    raw: Any, truth: Truth, threshold: float | None, where: Where, source: str
) -> Output:
    """Check and encode raw predictions; see the module docstring."""
    import numpy as np

    array = np.asarray(raw)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.dtype.kind == "b":
        array = array.astype(np.int64)
    _reject_missing(array, where)
    if truth.task == "regression":
        if array.ndim != 1:
            raise DataError(f"{where.what}: regression needs one value per row, got {array.shape}")
        return Output(source, "values", values=_numbers(array, where))
    if array.ndim == 2:
        return _probabilities(array, truth, threshold, where, source)
    decisions = _class_indices(array, truth)
    if decisions is not None and (decisions >= 0).all():
        return Output(source, "labels", decisions=decisions)
    if truth.task == "binary" and (array.dtype.kind in "iuf" or decisions is None):
        scores = _probability_column(_numbers(array, where, "score"), where)
        return Output(source, "scores", decisions=_decide(scores, truth, threshold), scores=scores)
    unseen = array if decisions is None else array[decisions < 0]
    names = sorted({str(v) for v in unseen.tolist()})
    raise DataError(
        f"{where.what}: predictions hold classes never seen in the label: {preview(names)} "
        f"(label classes: {preview([str(c) for c in truth.classes])})"
        f"{_type_hint(array, truth)}"
    )


def _reject_missing(array: np.ndarray, where: Where) -> None:
    import pandas as pd

    missing = pd.isna(array)
    if missing.ndim == 2:
        missing = missing.any(axis=1)
    if missing.any():
        row = int(missing.nonzero()[0][0])
        raise DataError(
            f"{where.row(row)}: prediction is NaN or empty "
            f"({int(missing.sum())} rows without a prediction)"
        )


def _numbers(array: np.ndarray, where: Where, what: str = "value") -> np.ndarray:
    import numpy as np
    import pandas as pd

    if array.dtype.kind in "biuf":
        return array.astype(np.float64)
    numbers = pd.to_numeric(pd.Series(array.reshape(-1)), errors="coerce")
    bad = numbers.isna().to_numpy()
    if bad.any():
        row = int(bad.nonzero()[0][0]) // (array.shape[1] if array.ndim == 2 else 1)
        value = array.reshape(-1)[int(bad.nonzero()[0][0])]
        raise DataError(f"{where.row(row)}: {what} {value!r} is not a number")
    return np.asarray(numbers.to_numpy(dtype=np.float64).reshape(array.shape))


def _probability_column(scores: np.ndarray, where: Where) -> np.ndarray:
    outside = (scores < 0) | (scores > 1)
    if outside.any():
        row = int(outside.nonzero()[0][0])
        raise DataError(
            f"{where.row(row)}: score {scores[row]:g} is outside [0, 1]: binary "
            "predictions must be class labels or probabilities of the positive class "
            f"({int(outside.sum())} rows outside)"
        )
    return scores


def _class_indices(array: np.ndarray, truth: Truth) -> np.ndarray | None:
    """Index of each prediction in the label classes (-1 when unseen); None if not labels."""
    import numpy as np
    import pandas as pd

    numeric_classes = all(not isinstance(c, str) for c in truth.classes)
    if array.dtype.kind == "f" and numeric_classes and not (array == np.round(array)).all():
        return None  # 0.7 is a score, not a class
    # Booleans match 0 and 1, as numpy compares them.
    keys = [int(c) if isinstance(c, bool | np.bool_) else c for c in truth.classes]
    try:
        return np.asarray(pd.Index(keys).get_indexer(array), dtype=np.int64)
    except (TypeError, ValueError):
        return None


def _decide(scores: np.ndarray, truth: Truth, threshold: float | None) -> np.ndarray:
    import numpy as np

    cut = 0.5 if threshold is None else threshold
    negative = 1 - truth.positive
    return np.where(scores >= cut, truth.positive, negative).astype(np.int64)


def _probabilities(
    array: np.ndarray, truth: Truth, threshold: float | None, where: Where, source: str
) -> Output:
    import numpy as np

    k = len(truth.classes)
    if array.shape[1] != k:
        raise DataError(
            f"{where.what}: {array.shape[1]} probability columns for {k} classes "
            f"({preview([str(c) for c in truth.classes])}); columns follow the sorted classes"
        )
    matrix = _numbers(array, where, "probability")
    outside = np.asarray(((matrix < 0) | (matrix > 1)).any(axis=1))
    if outside.any():
        row = int(outside.nonzero()[0][0])
        raise DataError(f"{where.row(row)}: class probabilities outside [0, 1]")
    sums = matrix.sum(axis=1)
    off = np.abs(sums - 1) > PROBABILITY_SUM_TOLERANCE
    if off.any():
        row = int(off.nonzero()[0][0])
        raise DataError(f"{where.row(row)}: class probabilities sum to {sums[row]:.6g}, not 1")
    if truth.task == "binary":
        scores = np.ascontiguousarray(matrix[:, truth.positive])
        return Output(source, "scores", decisions=_decide(scores, truth, threshold), scores=scores)
    decisions = matrix.argmax(axis=1).astype(np.int64)
    return Output(source, "probabilities", decisions=decisions, scores=matrix)


def _type_hint(array: np.ndarray, truth: Truth) -> str:
    predicted = {type(v).__name__ for v in array[:50].tolist()}
    labelled = {type(c).__name__ for c in truth.classes}
    if predicted and labelled and not predicted & labelled:
        return (
            f"; the label holds {'/'.join(sorted(labelled))}, "
            f"the predictions {'/'.join(sorted(predicted))}"
        )
    return ""

"""The metrics of a ``shadow`` scenario, computed as scikit-learn computes them, over resamples.

A bootstrap resample of ``n`` rows is a vector of row counts; every metric here is a function
of count-weighted sums of per-row terms (hits, losses, errors, confusion cells), so one code
path serves the point estimate (every count 1) and a whole batch of resamples at once
(a ``Sample``). Conventions follow scikit-learn: precision, recall and F1 are 0 when their
denominator is 0 (its ``zero_division="warn"`` value); R² is 1 for a perfect fit and 0 otherwise
when the labels are constant (``force_finite``); ROC AUC is undefined (NaN) with one class;
log loss clips probabilities to ``[eps, 1 - eps]``; MAPE divides by ``max(|y|, eps)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from closeout.errors import DataError
from closeout.kinds.shadow.encode import Output, Truth

EPS = float(np.finfo(np.float64).eps)


class Sample:
    """Row weights of a batch of resamples: ``idx`` (B, n) row indices, or one unit weight."""

    def __init__(self, idx: np.ndarray | None, n: int) -> None:
        self.idx = idx
        self.n = n
        self._counts: np.ndarray | None = None

    @property
    def size(self) -> int:
        return 1 if self.idx is None else len(self.idx)

    def total(self, term: np.ndarray) -> np.ndarray:
        """Weighted sum of one per-row term for each resample: shape (B,)."""
        if self.idx is None:
            return np.asarray([term.sum(dtype=np.float64)])
        if self._counts is None:
            # A gather is cheaper than building the count matrix for a single term.
            kind = np.int64 if term.dtype.kind in "biu" else np.float64
            return np.asarray(term[self.idx].sum(axis=1, dtype=kind), dtype=np.float64)
        return np.asarray(self._counts @ term.astype(np.float64))

    def totals(self, terms: np.ndarray) -> np.ndarray:
        """Weighted sums of several per-row terms (q, n): shape (B, q)."""
        if self.idx is None:
            return np.asarray(terms.sum(axis=1, dtype=np.float64))[None, :]
        return np.asarray(self.counts() @ terms.T.astype(np.float64))

    def histogram(self, keys: np.ndarray, bins: int) -> np.ndarray:
        """Per resample, how many drawn rows carry each key in ``range(bins)``: (B, bins)."""
        if self.idx is None:
            return np.bincount(keys, minlength=bins)[None, :].astype(np.float64)
        # One bincount per resample: no (B, n) count matrix, no matrix product.
        out = np.empty((len(self.idx), bins))
        for row, drawn in enumerate(self.idx):
            out[row] = np.bincount(keys[drawn], minlength=bins)
        return out

    def counts(self) -> np.ndarray:
        """How often each row was drawn, per resample: (B, n) floats."""
        if self._counts is None:
            if self.idx is None:
                self._counts = np.ones((1, self.n))
            else:
                counts = np.empty((len(self.idx), self.n))
                for row, drawn in enumerate(self.idx):
                    counts[row] = np.bincount(drawn, minlength=self.n)
                self._counts = counts
        return self._counts


@dataclass
class Slice:
    """The labels of one slice's rows, with a cache for derived per-row terms."""

    truth: Truth
    cache: dict[Any, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.truth.y)


def _divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, 0 where the denominator is 0 (scikit-learn's zero_division)."""
    out = np.zeros(np.broadcast(numerator, denominator).shape)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


# --------------------------------------------------------------------------- per-row terms


def _decisions(output: Output, metric: str) -> np.ndarray:
    if output.decisions is None:
        raise DataError(f"{metric} needs class decisions; {output.source} gives none")
    return output.decisions


def _hits(data: Slice, output: Output) -> np.ndarray:
    return np.asarray(_decisions(output, "accuracy") == data.truth.y, dtype=np.int8)


def _positives(data: Slice, output: Output) -> np.ndarray:
    return np.asarray(_decisions(output, "positive_rate") == data.truth.positive, dtype=np.int8)


def _log_losses(data: Slice, output: Output) -> np.ndarray:
    truth = data.truth
    if truth.task == "binary":
        if output.scores is not None:
            p = output.scores
        else:
            p = (_decisions(output, "log_loss") == truth.positive).astype(np.float64)
        is_positive = truth.y == truth.positive
        # scikit-learn clips each column ([1 - p, p]) on its own.
        chosen = np.where(is_positive, np.clip(p, EPS, 1 - EPS), np.clip(1 - p, EPS, 1 - EPS))
        return np.asarray(-np.log(chosen))
    if output.scores is None:
        raise DataError(
            f"log_loss needs class probabilities; {output.source} gives class labels "
            "(return an (n, k) probability array from a callable)"
        )
    chosen = output.scores[np.arange(data.n), truth.y]
    return np.asarray(-np.log(np.clip(chosen, EPS, 1 - EPS)))


def _regression_values(output: Output) -> np.ndarray:
    if output.values is None:
        raise DataError(f"{output.source} gives no regression values")
    return output.values


def _absolute_errors(data: Slice, output: Output) -> np.ndarray:
    return np.asarray(np.abs(_regression_values(output) - data.truth.y))


def _percentage_errors(data: Slice, output: Output) -> np.ndarray:
    y = data.truth.y
    return np.asarray(np.abs(_regression_values(output) - y) / np.maximum(np.abs(y), EPS))


MEAN_TERMS: dict[str, Callable[[Slice, Output], np.ndarray]] = {
    "accuracy": _hits,
    "positive_rate": _positives,
    "log_loss": _log_losses,
    "mae": _absolute_errors,
    "mape": _percentage_errors,
}


# --------------------------------------------------------------------------- metric values


def _confusion(sample: Sample, data: Slice, output: Output, metric: str) -> np.ndarray:
    """Per resample and class: true positives, predicted and actual counts: (B, 3, k)."""
    decisions = _decisions(output, metric)
    truth = data.truth
    if truth.task == "binary":
        predicted = decisions == truth.positive
        actual = truth.y == truth.positive
        cells = sample.histogram(2 * predicted + actual, 4)  # cell 3: both positive
        tp, pred, true = cells[:, 3], cells[:, 2] + cells[:, 3], cells[:, 1] + cells[:, 3]
        return np.stack([tp, pred, true], axis=1)[:, :, None]
    k = len(truth.classes)
    table = sample.histogram(truth.y * k + decisions, k * k).reshape(sample.size, k, k)
    # rows: actual class, columns: predicted class
    tp = np.diagonal(table, axis1=1, axis2=2)
    return np.stack([tp, table.sum(axis=1), table.sum(axis=2)], axis=1)


def _averaged(scores: np.ndarray, cells: np.ndarray, average: str, micro: np.ndarray) -> Any:
    """Binary: the positive class; else macro / weighted / micro as scikit-learn averages."""
    if cells.shape[2] == 1:
        return scores[:, 0]
    if average == "micro":
        return micro
    _, predicted, actual = cells[:, 0], cells[:, 1], cells[:, 2]
    if average == "weighted":
        return _divide((scores * actual).sum(axis=1), actual.sum(axis=1))
    # macro: over the classes present in the labels or the predictions of these rows
    present = (predicted + actual) > 0
    return _divide((scores * present).sum(axis=1), present.sum(axis=1))


def _prf(which: str) -> Callable[..., np.ndarray]:
    def value(sample: Sample, data: Slice, output: Output, average: str = "macro") -> Any:
        cells = _confusion(sample, data, output, which)
        tp, predicted, actual = cells[:, 0], cells[:, 1], cells[:, 2]
        totals = cells.sum(axis=2)
        if which == "precision":
            per_class = _divide(tp, predicted)
            micro = _divide(totals[:, 0], totals[:, 1])
        elif which == "recall":
            per_class = _divide(tp, actual)
            micro = _divide(totals[:, 0], totals[:, 2])
        else:
            per_class = _divide(2 * tp, actual + predicted)
            micro = _divide(2 * totals[:, 0], totals[:, 1] + totals[:, 2])
        return _averaged(per_class, cells, average, micro)

    return value


def _roc_auc(sample: Sample, data: Slice, output: Output, average: str = "macro") -> Any:
    truth = data.truth
    if truth.task == "binary":
        if output.scores is not None:
            owner, scores = output.scores, output.scores
        else:
            owner = _decisions(output, "roc_auc")
            scores = (owner == truth.positive).astype(np.float64)
        return _binary_auc(sample, data, truth.y == truth.positive, scores, (owner, 0))
    if output.scores is None:
        raise DataError(
            f"roc_auc needs class probabilities; {output.source} gives class labels "
            "(return an (n, k) probability array from a callable)"
        )
    matrix = output.scores
    per_class = [
        _binary_auc(sample, data, truth.y == c, matrix[:, c], (matrix, c))
        for c in range(len(truth.classes))
    ]
    # one-vs-rest, macro average (scikit-learn's multi_class="ovr")
    return np.mean(np.stack(per_class, axis=1), axis=1)


def _binary_auc(
    sample: Sample,
    data: Slice,
    positive: np.ndarray,
    scores: np.ndarray,
    origin: tuple[np.ndarray, int],
) -> np.ndarray:
    """Mann-Whitney AUC with ties counted half: the area under scikit-learn's ROC curve."""
    owner, column = origin
    key = ("auc", id(owner), column)
    # The cache keeps the array it was built from, so its id cannot be reused meanwhile.
    if key not in data.cache or data.cache[key][0] is not owner:
        order = np.argsort(scores, kind="stable")
        ranked = scores[order]
        group = np.empty(len(scores), dtype=np.int64)
        group[order] = np.cumsum(np.r_[True, ranked[1:] != ranked[:-1]]) - 1
        # Each row's key: its score group (ascending), then negative (even) or positive (odd).
        data.cache[key] = (owner, 2 * group + positive, 2 * (int(group.max()) + 1))
    _, keys, bins = data.cache[key]
    counts = sample.histogram(keys, bins)
    neg, pos = counts[:, 0::2], counts[:, 1::2]
    below = np.cumsum(neg, axis=1) - neg
    area = (pos * (below + 0.5 * neg)).sum(axis=1)
    pairs = pos.sum(axis=1) * neg.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(pairs > 0, area / np.where(pairs > 0, pairs, 1), np.nan)


def _rmse(sample: Sample, data: Slice, output: Output, average: str = "macro") -> Any:
    errors = _regression_values(output) - data.truth.y
    return np.sqrt(sample.total(errors * errors) / data.n)


def _r2(sample: Sample, data: Slice, output: Output, average: str = "macro") -> Any:
    y = data.truth.y
    if "centred" not in data.cache:
        # Centring first keeps sum(y^2) - sum(y)^2 / n from cancelling catastrophically.
        centred = y - y.mean()
        data.cache["centred"] = (centred, centred * centred)
    centred, squared = data.cache["centred"]
    residual = _regression_values(output) - y
    sums = sample.totals(np.stack([residual * residual, centred, squared]))
    res, total, total_sq = sums[:, 0], sums[:, 1], sums[:, 2]
    spread = np.maximum(total_sq - total * total / data.n, 0.0)
    fitted = np.where(res == 0, 1.0, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(spread > 0, 1 - res / np.where(spread > 0, spread, 1), fitted)


VALUES: dict[str, Callable[..., Any]] = {
    "precision": _prf("precision"),
    "recall": _prf("recall"),
    "f1": _prf("f1"),
    "roc_auc": _roc_auc,
    "rmse": _rmse,
    "r2": _r2,
}


def value(
    metric: str, sample: Sample, data: Slice, output: Output, average: str = "macro"
) -> np.ndarray:
    """The metric of ``output`` on each resample of ``sample``: shape (B,)."""
    if metric in MEAN_TERMS:
        return sample.total(MEAN_TERMS[metric](data, output)) / data.n
    return np.asarray(VALUES[metric](sample, data, output, average), dtype=np.float64)


def difference(
    metric: str,
    sample: Sample,
    data: Slice,
    candidate: Output,
    baseline: Output,
    average: str = "macro",
) -> np.ndarray:
    """candidate - baseline on the same resampled rows: shape (B,)."""
    if metric in MEAN_TERMS:
        # The difference of two means is the mean of the per-row differences: one term.
        terms = MEAN_TERMS[metric]
        return sample.total(_minus(terms(data, candidate), terms(data, baseline))) / data.n
    candidate_value = value(metric, sample, data, candidate, average)
    return np.asarray(candidate_value - value(metric, sample, data, baseline, average))


def _minus(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    if left.dtype == np.int8 and right.dtype == np.int8:
        return np.asarray(left - right, dtype=np.int8)  # -1, 0, 1
    return np.asarray(left.astype(np.float64) - right.astype(np.float64))


def agreement(data: Slice, candidate: Output, baseline: Output) -> float:
    """Share of rows where both models decide the same class."""
    same = _decisions(candidate, "agreement") == _decisions(baseline, "agreement")
    return float(same.mean()) if data.n else float("nan")


def point(metric: str, data: Slice, output: Output, average: str = "macro") -> float:
    """The metric on the slice's rows, each counted once."""
    return float(value(metric, Sample(None, data.n), data, output, average)[0])

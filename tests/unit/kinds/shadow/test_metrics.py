"""Shadow metrics against scikit-learn, computed directly on the same rows.

Oracles are computed by scikit-learn called directly on the same rows; nothing here copies an
expected value from the code under test.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as sk
from tests.unit.kinds.shadow.cases import binary, binary_case, multiclass_case, scores_output

from closeout.kinds.shadow import metrics
from closeout.kinds.shadow.encode import Output, Truth

# --------------------------------------------------------------------------- point estimates


@pytest.mark.parametrize("threshold", [0.5, 0.35, 0.72])
def test_binary_score_metrics_equal_scikit_learn(threshold: float) -> None:
    y, scores, _ = binary_case()
    data, output = binary(y), scores_output(scores, threshold)
    decided = (scores >= threshold).astype(int)
    expected = {
        "accuracy": sk.accuracy_score(y, decided),
        "precision": sk.precision_score(y, decided),
        "recall": sk.recall_score(y, decided),
        "f1": sk.f1_score(y, decided),
        "roc_auc": sk.roc_auc_score(y, scores),
        "log_loss": sk.log_loss(y, y_proba=scores),
        "positive_rate": np.mean(decided == 1),
    }
    for name, value in expected.items():
        assert metrics.point(name, data, output) == pytest.approx(value, rel=1e-12), name


def test_binary_label_metrics_equal_scikit_learn_even_for_hard_log_loss() -> None:
    y, scores, _ = binary_case(seed=4)
    labels = (scores >= 0.5).astype(np.int64)
    data, output = binary(y), Output("l", "labels", decisions=labels)
    assert metrics.point("roc_auc", data, output) == pytest.approx(sk.roc_auc_score(y, labels))
    # hard 0/1 "probabilities" are clipped to [eps, 1 - eps], as scikit-learn does
    assert metrics.point("log_loss", data, output) == pytest.approx(
        sk.log_loss(y, y_proba=labels.astype(float)), rel=1e-12
    )
    assert metrics.point("f1", data, output) == pytest.approx(sk.f1_score(y, labels))


def test_positive_class_that_sorts_first_is_honoured() -> None:
    # classes (benign, malignant) sorted; the positive class is "benign" (index 0)
    y, scores, _ = binary_case(seed=6)
    names = np.array(["benign", "malignant"])[1 - y]  # y == 1 -> "benign"
    truth = Truth("binary", (names == "malignant").astype(np.int64), ("benign", "malignant"), 0)
    decisions = np.where(scores >= 0.5, 0, 1)
    output = Output("s", "scores", decisions=decisions, scores=scores)
    data = metrics.Slice(truth)
    predicted = np.where(scores >= 0.5, "benign", "malignant")
    assert metrics.point("recall", data, output) == pytest.approx(
        sk.recall_score(names, predicted, pos_label="benign")
    )
    assert metrics.point("precision", data, output) == pytest.approx(
        sk.precision_score(names, predicted, pos_label="benign")
    )
    assert metrics.point("roc_auc", data, output) == pytest.approx(
        sk.roc_auc_score(names == "benign", scores)
    )
    assert metrics.point("log_loss", data, output) == pytest.approx(
        sk.log_loss(names == "benign", y_proba=scores), rel=1e-12
    )


@pytest.mark.parametrize("average", ["macro", "weighted", "micro"])
def test_multiclass_metrics_equal_scikit_learn(average: str) -> None:
    y, probabilities = multiclass_case()
    classes = tuple(range(probabilities.shape[1]))
    data = metrics.Slice(Truth("multiclass", y, classes))
    decisions = probabilities.argmax(axis=1)
    output = Output("p", "probabilities", decisions=decisions, scores=probabilities)
    expected = {
        "accuracy": sk.accuracy_score(y, decisions),
        "precision": sk.precision_score(y, decisions, average=average),
        "recall": sk.recall_score(y, decisions, average=average),
        "f1": sk.f1_score(y, decisions, average=average),
        "roc_auc": sk.roc_auc_score(y, probabilities, multi_class="ovr", labels=list(classes)),
        "log_loss": sk.log_loss(y, y_proba=probabilities, labels=list(classes)),
    }
    for name, value in expected.items():
        assert metrics.point(name, data, output, average) == pytest.approx(value, rel=1e-12), name


def test_macro_average_skips_classes_absent_from_labels_and_predictions() -> None:
    # class 3 exists in the scenario's classes but not on these rows
    y = np.array([0, 0, 1, 1, 2, 2, 2, 0])
    decisions = np.array([0, 1, 1, 1, 2, 0, 0, 0])
    data = metrics.Slice(Truth("multiclass", y, (0, 1, 2, 3)))
    output = Output("l", "labels", decisions=decisions)
    for name, function in (("precision", sk.precision_score), ("f1", sk.f1_score)):
        assert metrics.point(name, data, output) == pytest.approx(
            function(y, decisions, average="macro")
        )


def test_zero_division_counts_as_zero_like_scikit_learn() -> None:
    y = np.array([0, 0, 1, 1])
    never = Output("l", "labels", decisions=np.zeros(4, dtype=np.int64))
    data = binary(y)
    assert metrics.point("precision", data, never) == sk.precision_score(
        y, never.decisions, zero_division=0
    )
    assert metrics.point("f1", data, never) == sk.f1_score(y, never.decisions, zero_division=0)


def test_regression_metrics_equal_scikit_learn() -> None:
    rng = np.random.default_rng(3)
    y = rng.normal(150, 40, 500)
    y[:3] = 0.0  # MAPE divides by max(|y|, eps) there
    predicted = y + rng.normal(0, 12, 500)
    data = metrics.Slice(Truth("regression", y))
    output = Output("v", "values", values=predicted)
    expected = {
        "mae": sk.mean_absolute_error(y, predicted),
        "rmse": sk.root_mean_squared_error(y, predicted),
        "mape": sk.mean_absolute_percentage_error(y, predicted),
        "r2": sk.r2_score(y, predicted),
    }
    for name, value in expected.items():
        assert metrics.point(name, data, output) == pytest.approx(value, rel=1e-9), name


def test_r2_of_constant_labels_follows_force_finite() -> None:
    y = np.full(5, 3.0)
    data = metrics.Slice(Truth("regression", y))
    perfect = Output("v", "values", values=y.copy())
    off = Output("v", "values", values=y + 1)
    assert metrics.point("r2", data, perfect) == sk.r2_score(y, y) == 1.0
    assert metrics.point("r2", data, off) == sk.r2_score(y, y + 1) == 0.0


@settings(max_examples=40, deadline=None, database=None)
@given(
    st.lists(st.tuples(st.integers(0, 1), st.integers(0, 20)), min_size=2, max_size=60).filter(
        lambda rows: len({label for label, _ in rows}) == 2
    ),
    st.sampled_from([0.2, 0.5, 0.8]),
)
def test_binary_metrics_match_scikit_learn_on_any_rows(
    rows: list[tuple[int, int]], threshold: float
) -> None:
    y = np.array([label for label, _ in rows])
    scores = np.array([score / 20 for _, score in rows])
    decided = (scores >= threshold).astype(int)
    data, output = binary(y), scores_output(scores, threshold)
    assert metrics.point("roc_auc", data, output) == pytest.approx(sk.roc_auc_score(y, scores))
    assert metrics.point("accuracy", data, output) == pytest.approx(sk.accuracy_score(y, decided))
    assert metrics.point("f1", data, output) == pytest.approx(
        sk.f1_score(y, decided, zero_division=0)
    )
    assert metrics.point("recall", data, output) == pytest.approx(sk.recall_score(y, decided))


def test_agreement_is_the_share_of_equal_decisions() -> None:
    y, good, fair = binary_case()
    same = np.mean((good >= 0.5) == (fair >= 0.5))
    assert metrics.agreement(binary(y), scores_output(good), scores_output(fair)) == same


def test_roc_auc_with_one_class_is_undefined() -> None:
    y = np.zeros(6, dtype=np.int64)
    output = scores_output(np.linspace(0, 1, 6))
    assert np.isnan(metrics.point("roc_auc", binary(y), output))


def test_chunking_and_the_count_matrix_give_the_same_sums_as_a_gather() -> None:
    rng = np.random.default_rng(5)
    idx = rng.integers(0, 50, (7, 50))
    terms = rng.normal(size=(3, 50))
    sample = metrics.Sample(idx, 50)
    gathered = np.stack([terms[j][idx].sum(axis=1) for j in range(3)], axis=1)
    np.testing.assert_allclose(sample.totals(terms), gathered, rtol=1e-12)
    np.testing.assert_allclose(sample.total(terms[0]), gathered[:, 0], rtol=1e-12)

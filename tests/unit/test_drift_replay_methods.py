"""The stattest table closeout keeps (so lint needs no evidently) matches evidently, and the
multiple-testing corrections match scipy and the textbook Bonferroni rule."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.stats import false_discovery_control

from closeout.kinds.drift_replay.scoring import Cell
from closeout.kinds.drift_replay.verdict import alerts, correct
from closeout.kinds.drift_replay.spec import STATTESTS, AlertWhen


def registry() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from evidently.legacy.calculations.stattests import registry as module
    return module


def evidently_tests() -> dict[str, Any]:
    tests = {
        name: next(iter(by_type.values()))
        for name, by_type in registry()._registered_stat_tests.items()
    }
    return {
        n: t for n, t in tests.items() if "text" not in {ft.value for ft in t.allowed_feature_types}
    }


def test_table_lists_every_evidently_stattest_for_tabular_columns() -> None:
    tests = evidently_tests()
    assert set(STATTESTS) == set(tests)
    for name, test in tests.items():
        info = STATTESTS[name]
        assert set(info.types) == {ft.value for ft in test.allowed_feature_types}, name
        assert info.default_threshold == test.default_threshold, name


def samples(kind: str) -> tuple[pd.Series, pd.Series]:
    rng = np.random.default_rng(11)
    if kind == "num":
        return pd.Series(rng.normal(0, 1, 300)), pd.Series(rng.normal(0.15, 1.1, 300))
    return (
        pd.Series(rng.choice(["a", "b"], 300, p=[0.5, 0.5])),
        pd.Series(rng.choice(["a", "b"], 300, p=[0.56, 0.44])),
    )


@pytest.mark.parametrize("name", sorted(STATTESTS))
def test_p_value_direction_and_inclusiveness_match_evidently(name: str) -> None:
    """Call evidently's test at thresholds around its own score and read its flag."""
    module = registry()
    kind = STATTESTS[name].types[0]
    reference, current = samples(kind)
    test = module.get_registered_stattest(name, module.ColumnType(kind))

    def flag(threshold: float) -> bool:
        np.random.seed(0)  # empirical_mmd permutes with numpy's global generator
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return bool(test(reference, current, module.ColumnType(kind), threshold).drifted)

    np.random.seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        score = float(test(reference, current, module.ColumnType(kind), None).drift_score)
    assert 0 < score < 1, (name, score)  # a score that leaves room on both sides
    info = STATTESTS[name]
    assert flag(score) is info.inclusive, name
    # a p-value drifts below its threshold; a distance at or above it
    assert flag(score * 1.5) is info.p_value, name
    assert flag(score / 1.5) is not info.p_value, name


def cells(p_values: list[float], method: str = "ks", threshold: float = 0.05) -> dict[str, Cell]:
    return {
        f"c{i}": Cell(method, threshold, p, p <= threshold, STATTESTS[method].p_value)
        for i, p in enumerate(p_values)
    }


P_VALUES = [0.001, 0.02, 0.04, 0.3, 0.012]


def test_bonferroni_multiplies_by_the_number_of_p_value_columns() -> None:
    window = cells(P_VALUES)
    window["dist"] = Cell("psi", 0.1, 0.5, True, False)  # a distance: not in the family
    correct(window, "bonferroni")
    adjusted = [window[f"c{i}"].adjusted for i in range(5)]
    assert adjusted == pytest.approx([0.005, 0.1, 0.2, 1.0, 0.06])
    assert [window[f"c{i}"].flagged for i in range(5)] == [True, False, False, False, False]
    assert window["dist"].adjusted is None and window["dist"].flagged is True


def test_fdr_is_benjamini_hochberg_as_scipy_computes_it() -> None:
    window = cells(P_VALUES)
    correct(window, "fdr")
    expected = false_discovery_control(P_VALUES, method="bh")
    adjusted = [window[f"c{i}"].adjusted for i in range(5)]
    assert adjusted == pytest.approx(list(expected), rel=1e-12)
    assert [window[f"c{i}"].flagged for i in range(5)] == [bool(e <= 0.05) for e in expected]
    # by hand: sorted 0.001 0.012 0.02 0.04 0.3 -> p*5/rank 0.005 0.03 0.0333 0.05 0.3
    assert adjusted == pytest.approx([0.005, 0.1 / 3, 0.05, 0.3, 0.03])
    assert sum(c.flagged for c in window.values()) == 4  # 0.05 <= 0.05 still drifts for ks


def test_corrected_flags_compare_the_way_evidently_compares_the_method() -> None:
    # adjusted p == threshold: ks drifts (p <= t), chi-square does not (p < t)
    ks = cells([0.025, 0.9])
    chi = cells([0.025, 0.9], method="chisquare")
    correct(ks, "bonferroni")
    correct(chi, "bonferroni")
    assert ks["c0"].adjusted == chi["c0"].adjusted == 0.05
    assert (ks["c0"].flagged, chi["c0"].flagged) == (True, False)


def test_no_correction_keeps_evidently_flags() -> None:
    window = cells(P_VALUES)
    correct(window, "none")
    assert [c.flagged for c in window.values()] == [p <= 0.05 for p in P_VALUES]
    assert all(c.adjusted is None for c in window.values())


def test_nan_p_values_stay_out_of_the_family() -> None:
    window = cells([0.01, float("nan"), 0.02])
    correct(window, "bonferroni")
    assert window["c0"].adjusted == pytest.approx(0.02)  # m = 2
    assert window["c1"].adjusted is None and window["c1"].flagged is False


@pytest.mark.parametrize(
    ("rule", "flags", "expected"),
    [
        (AlertWhen(drifted_columns=2), [True, True, False], True),
        (AlertWhen(drifted_columns=2), [True, False, False], False),
        (AlertWhen(drift_share=0.5), [True, False], True),
        (AlertWhen(drift_share=0.5), [True, False, False], False),
        (AlertWhen(drift_share=0.34), [True, False, False], False),
        (AlertWhen(drift_share=0.33), [True, False, False], True),
    ],
)
def test_alert_when(rule: AlertWhen, flags: list[bool], expected: bool) -> None:
    window = cells([0.5] * len(flags))
    for cell, flagged in zip(window.values(), flags, strict=True):
        cell.flagged = flagged
    assert alerts(window, rule) is expected


@pytest.mark.parametrize("reference_rows", [900, 1000, 1001, 5000])
@pytest.mark.parametrize("kind", ["num", "cat"])
def test_automatic_choice_is_constant_from_many_distinct_values_on(
    reference_rows: int, kind: str
) -> None:
    """closeout asks evidently once for every count >= MANY_DISTINCT: evidently must agree."""
    from closeout.kinds.drift_replay.scoring import MANY_DISTINCT

    module = registry()
    column_type = module.ColumnType(kind)

    def choice(distinct: int) -> str:
        values = np.arange(reference_rows) % min(distinct, reference_rows)
        extra = np.arange(reference_rows, reference_rows + max(0, distinct - reference_rows))
        if kind == "cat":
            values, extra = values.astype(str), extra.astype(str)
        reference, current = pd.Series(values), pd.Series(extra)
        assert pd.concat([reference, current]).nunique() == distinct
        return str(module.get_stattest(reference, current, column_type, None).name)

    answers = {d: choice(d) for d in [MANY_DISTINCT, 65, 100, 999, 10_000, 100_000]}
    assert len(set(answers.values())) == 1, answers
    if reference_rows > 1000:  # FACTS.md
        assert answers[100] == ("wasserstein" if kind == "num" else "jensenshannon")
    else:
        assert answers[100] == ("ks" if kind == "num" else "chisquare")

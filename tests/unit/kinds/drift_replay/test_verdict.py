"""Window verdicts: the multiple-testing corrections match scipy and the textbook Bonferroni
rule, corrected flags compare the way evidently does, and ``alert_when`` counts or shares."""

from __future__ import annotations

import pytest
from scipy.stats import false_discovery_control

from closeout.kinds.drift_replay.scoring import Cell
from closeout.kinds.drift_replay.spec import STATTESTS, AlertWhen
from closeout.kinds.drift_replay.verdict import alerts, correct


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

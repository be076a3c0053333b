"""The stattest table closeout keeps in ``spec`` (so lint needs no evidently) matches
evidently's registry and the direction and inclusiveness of its flags."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

from closeout.kinds.drift_replay.spec import STATTESTS


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

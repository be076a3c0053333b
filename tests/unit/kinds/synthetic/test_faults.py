"""Fault injectors: each fault on a hand-written clean frame, and placed in generated frames.

Injector tests start from a hand-written clean frame and check the injected frame with
pandas; touched-row counts are computed here with exact fractions, so the test does not
share the float rounding of the code under test.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from closeout.kinds.synthetic.columns import Column, Rows
from closeout.kinds.synthetic.failure import Found
from closeout.kinds.synthetic.faults import (
    Injected,
    eligible,
    inject,
    injected_at_random,
    touched_count,
)
from closeout.kinds.synthetic.frames import Generated, build_frame
from closeout.kinds.synthetic.search import search
from closeout.kinds.synthetic.spec import SyntheticScenario
from closeout.kinds.synthetic.strategies import Timers, frames

COLUMNS = {
    "income": Column(dtype="float", min=0, max=1_000_000, nulls=True),
    "age": Column(dtype="int", min=18, max=100),
    "region": Column(dtype="category", values=["EU", "US"]),
    "name": Column(dtype="str"),
}


def clean(rows: int = 10) -> pd.DataFrame:
    incomes = [float(i * 1000) if i != 3 else math.nan for i in range(rows)]  # 0.0 and a NaN
    return build_frame(
        COLUMNS,
        {
            "income": incomes,
            "age": [18 + i for i in range(rows)],
            "region": ["EU" if i % 2 else "US" for i in range(rows)],
            "name": [f"n{i}" for i in range(rows)],
        },
    )


def fault(spec: dict[str, Any]) -> Any:
    data = {
        "action": "A1",
        "kind": "synthetic",
        "function": "v.py:f",
        "mode": "validator",
        "columns": {"income": {"dtype": "float"}},
        "faults": [spec],
    }
    return SyntheticScenario.model_validate(data).faults[0]


def inject_all(spec: dict[str, Any], frame: pd.DataFrame) -> tuple[pd.DataFrame, list[int]]:
    found = fault(spec)
    positions: list[int] = []
    if spec["inject"] not in ("drop_column", "dtype"):  # row faults: the first rows they change
        positions = eligible(found, frame)
        positions = positions[: min(touched_count(found, len(frame)), len(positions))]
    return inject(found, frame, positions), positions


@pytest.mark.parametrize(("rate", "rows"), [(0.3, 10), (0.3, 7), (0.01, 5), (1.0, 4), (0.7, 10)])
def test_rate_faults_touch_ceil_rate_times_rows_and_at_least_one(rate: float, rows: int) -> None:
    expected = max(1, math.ceil(Fraction(str(rate)) * rows))
    assert touched_count(fault({"inject": "duplicate_rows", "rate": rate}), rows) == expected


def test_nulls_fault_nulls_exactly_the_touched_cells() -> None:
    frame = clean()
    changed, rows = inject_all({"inject": "nulls", "column": "age", "rate": 0.3}, frame)
    assert rows == [0, 1, 2] and str(changed["age"].dtype) == "Int64"
    assert changed["age"].isna().tolist() == [i in rows for i in range(10)]
    assert changed["age"].dropna().tolist() == [18 + i for i in range(10) if i not in rows]
    pd.testing.assert_frame_equal(changed.drop(columns="age"), frame.drop(columns="age"))


def test_nulls_fault_skips_cells_that_are_already_null() -> None:
    found = fault({"inject": "nulls", "column": "income"})
    assert 3 not in eligible(found, clean())


def test_out_of_range_sets_the_value_and_keeps_the_dtype() -> None:
    changed, rows = inject_all({"inject": "out_of_range", "column": "age", "value": -1}, clean())
    assert rows == [0] and changed["age"].tolist()[:2] == [-1, 19]
    assert str(changed["age"].dtype) == "int64"


def test_scale_multiplies_every_non_null_non_zero_cell() -> None:
    frame = clean()
    changed, rows = inject_all({"inject": "scale", "column": "income", "factor": 100}, frame)
    assert 0 not in rows and 3 not in rows  # 0.0 * 100 == 0.0, NaN stays NaN
    expected = frame["income"].where(~frame.index.isin(rows), frame["income"] * 100)
    pd.testing.assert_series_equal(changed["income"], expected)


def test_scale_keeps_ints_when_it_can_and_turns_to_float_when_it_must() -> None:
    frame = clean()
    whole, _ = inject_all({"inject": "scale", "column": "age", "factor": 100}, frame)
    assert str(whole["age"].dtype) == "int64" and whole["age"][0] == 1800
    half, _ = inject_all({"inject": "scale", "column": "age", "factor": 0.5}, frame)
    assert str(half["age"].dtype) == "float64" and half["age"][1] == 9.5


def test_drop_column_removes_only_that_column() -> None:
    frame = clean()
    changed, _ = inject_all({"inject": "drop_column", "column": "region"}, frame)
    pd.testing.assert_frame_equal(changed, frame[["income", "age", "name"]])


def test_duplicate_rows_appends_copies() -> None:
    frame = clean()
    changed, rows = inject_all({"inject": "duplicate_rows", "rate": 0.2}, frame)
    assert len(changed) == 12 and int(changed.duplicated().sum()) == 2
    pd.testing.assert_frame_equal(
        changed.iloc[10:].reset_index(drop=True), frame.iloc[rows].reset_index(drop=True)
    )


@pytest.mark.parametrize(
    ("column", "to", "dtype", "first"),
    [
        ("age", "str", "object", "18"),
        ("age", "float", "float64", 18.0),
        ("income", "int", "Int64", 0),
        ("name", "category", "category", "n0"),
        ("region", "str", "object", "US"),
    ],
)
def test_dtype_fault_converts_the_whole_column(
    column: str, to: str, dtype: str, first: Any
) -> None:
    frame = clean()
    changed, _ = inject_all({"inject": "dtype", "column": column, "to": to}, frame)
    assert str(changed[column].dtype) == dtype and changed[column][0] == first
    assert changed[column].isna().tolist() == frame[column].isna().tolist()


def test_new_category_extends_the_categories() -> None:
    changed, rows = inject_all(
        {"inject": "new_category", "column": "region", "value": "MARS", "rate": 0.5}, clean()
    )
    assert rows == [0, 1, 2, 3, 4]
    assert list(changed["region"].cat.categories) == ["EU", "US", "MARS"]
    assert changed["region"].tolist()[:6] == ["MARS"] * 5 + ["EU"]


def test_injecting_leaves_the_clean_frame_unchanged() -> None:
    frame = clean(3)
    before = frame.copy()
    for spec in (
        {"inject": "scale", "column": "income", "factor": 2},
        {"inject": "nulls", "column": "age"},
        {"inject": "new_category", "column": "region", "value": "MARS"},
    ):
        inject_all(spec, frame)
    pd.testing.assert_frame_equal(frame, before)


def test_generated_rate_faults_touch_ceil_rate_times_rows(project_dir: Path) -> None:
    columns = {"income": Column(dtype="float", min=0, max=100), "age": COLUMNS["age"]}
    nulls = fault({"inject": "nulls", "column": "income", "rate": 0.3})
    seen: list[Injected] = []

    def test(case: Generated, target: str | None) -> Found | None:
        injected = injected_at_random(nulls, case, seed=len(seen))
        assert injected is not None  # income has no nulls: every row can carry the fault
        seen.append(injected)
        return None

    search(frames(columns, Rows(min=1, max=40), Timers()), test, seed=2, examples=40)
    assert len(seen) == 40 and max(len(i.frame) for i in seen) > 10
    for injected in seen:
        rows = len(injected.frame)
        assert int(injected.frame["income"].isna().sum()) == max(
            1, math.ceil(Fraction(3, 10) * rows)
        )
        assert injected.touched == sorted(np.flatnonzero(injected.frame["income"].isna()).tolist())
        assert injected.clean is not None and injected.clean.frame["income"].notna().all()


def test_the_seed_places_the_fault_reproducibly_anywhere_it_can_go() -> None:
    frame = clean()  # income: 0.0 at row 0 and NaN at row 3, which `scale` cannot change
    generated = Generated(frame, [])
    scale = fault({"inject": "scale", "column": "income", "factor": 100, "rate": 0.2})
    placed = [injected_at_random(scale, generated, seed) for seed in range(40)]
    touched = [tuple(p.touched or []) for p in placed if p is not None]
    assert len(touched) == 40 and all(len(t) == 2 for t in touched)  # ceil(0.2 x 10)
    assert set().union(*touched) == {1, 2, 4, 5, 6, 7, 8, 9}
    again = injected_at_random(scale, generated, 7)
    assert again is not None and tuple(again.touched or []) == touched[7]


def test_a_frame_no_row_of_which_can_carry_the_fault_is_none() -> None:
    zeros = build_frame(
        COLUMNS,
        {"income": [0.0, math.nan], "age": [18, 19], "region": ["EU", "US"], "name": ["a", "b"]},
    )
    scale = fault({"inject": "scale", "column": "income", "factor": 100})
    assert injected_at_random(scale, Generated(zeros, []), 1) is None
    dropped = injected_at_random(
        fault({"inject": "drop_column", "column": "age"}), Generated(zeros, []), 1
    )
    assert dropped is not None and dropped.touched is None and "age" not in dropped.frame

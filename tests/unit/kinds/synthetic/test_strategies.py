"""Frame generation: dtypes, bounds, nulls, values, unique, rows, seeding.

Frames are collected through the real search engine with a test that never fails, and
checked with pandas directly against the column specs written here.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest
from hypothesis import settings

from closeout.kinds.synthetic.columns import Column, Rows
from closeout.kinds.synthetic.failure import Broken, Found
from closeout.kinds.synthetic.frames import Generated
from closeout.kinds.synthetic.search import search
from closeout.kinds.synthetic.strategies import Timers, frames

SPECS: dict[str, dict[str, Any]] = {
    "income": {"dtype": "float", "min": 0, "max": 1000000, "nulls": True},
    "age": {"dtype": "int", "min": 18, "max": 100},
    "name": {"dtype": "str", "min_length": 2, "max_length": 5},
    "vip": {"dtype": "bool"},
    "region": {"dtype": "category", "values": ["EU", "US", "APAC"]},
    "signup": {"dtype": "datetime", "min": "2020-01-01T00:00:00Z", "max": "2025-12-31T00:00:00Z"},
}


def collect(
    specs: dict[str, dict[str, Any]],
    rows: tuple[int, int] = (1, 60),
    examples: int = 80,
    seed: int = 1,
    distinct: bool = False,
) -> list[pd.DataFrame]:
    columns = {name: Column.model_validate(spec) for name, spec in specs.items()}
    seen: list[pd.DataFrame] = []

    def test(generated: Generated, target: str | None) -> Found | None:
        seen.append(generated.frame)
        return None

    strategy = frames(columns, Rows(min=rows[0], max=rows[1]), Timers(), distinct_rows=distinct)
    search(strategy, test, seed=seed, examples=examples)
    return seen


@pytest.fixture(scope="module")
def sample() -> list[pd.DataFrame]:
    return collect(SPECS)


def test_each_column_has_the_dtype_of_its_spec(sample: list[pd.DataFrame]) -> None:
    expected = {
        "income": "float64",
        "age": "int64",
        "name": str(pd.Series(["text"]).dtype),  # object on pandas 2, str on pandas 3
        "vip": "bool",
        "region": "category",
        "signup": "datetime64[ns, UTC]",
    }
    for frame in sample:
        assert {c: str(t) for c, t in frame.dtypes.items()} == expected
        assert list(frame["region"].cat.categories) == ["EU", "US", "APAC"]


def test_nullable_columns_get_nullable_dtypes() -> None:
    specs = {
        "n": {"dtype": "int", "min": 0, "max": 5, "nulls": True},
        "b": {"dtype": "bool", "nulls": True},
        "t": {"dtype": "datetime", "nulls": True},
    }
    for frame in collect(specs, examples=20):
        assert [str(t) for t in frame.dtypes] == ["Int64", "boolean", "datetime64[ns, UTC]"]


def test_values_stay_within_bounds(sample: list[pd.DataFrame]) -> None:
    low, high = pd.Timestamp("2020-01-01", tz="UTC"), pd.Timestamp("2025-12-31", tz="UTC")
    for frame in sample:
        assert frame["income"].dropna().between(0, 1_000_000).all()
        assert frame["age"].between(18, 100).all()
        assert frame["signup"].between(low, high).all()
        assert frame["name"].str.len().between(2, 5).all()
        assert set(frame["region"]) <= {"EU", "US", "APAC"}


def test_bounds_are_explored_not_just_the_middle(sample: list[pd.DataFrame]) -> None:
    ages = pd.concat([f["age"] for f in sample])
    assert {18, 100} <= set(ages)  # hypothesis tries the edges of the range


def test_nulls_appear_only_where_allowed(sample: list[pd.DataFrame]) -> None:
    income = pd.concat([f["income"] for f in sample])
    assert income.isna().any() and income.notna().any()
    for name in ("age", "name", "vip", "region", "signup"):
        assert not any(f[name].isna().any() for f in sample), name


def test_row_counts_cover_the_range(sample: list[pd.DataFrame]) -> None:
    sizes = [len(f) for f in sample]
    assert min(sizes) == 1 and max(sizes) <= 60
    assert max(sizes) >= 30, sizes  # large frames too, not only hypothesis' small lists


def test_unique_columns_never_repeat_a_value() -> None:
    specs = {
        "id": {"dtype": "int", "min": 0, "max": 400, "unique": True},
        "code": {"dtype": "category", "values": ["a", "b", "c", "d"], "unique": True},
        "score": {"dtype": "float", "min": 0, "max": 1, "unique": True, "nulls": True},
    }
    sample = collect(specs, rows=(0, 4), examples=60)
    assert any(len(f) == 4 for f in sample)
    for frame in sample:
        assert frame["id"].is_unique and frame["code"].is_unique
        assert frame["score"].dropna().is_unique


def test_rows_min_holds_even_where_filler_rows_would_collide() -> None:
    # four codes for four rows: random filler rows collide, hypothesis draws all the rows
    specs = {
        "code": {"dtype": "category", "values": ["a", "b", "c", "d"], "unique": True},
        "id": {"dtype": "int", "min": 0, "max": 10**6, "unique": True},
    }
    sample = collect(specs, rows=(4, 4), examples=30)
    assert len(sample) == 30
    for frame in sample:
        assert sorted(frame["code"]) == ["a", "b", "c", "d"] and frame["id"].is_unique


def test_a_frame_of_rows_min_shrinks_in_few_calls() -> None:
    # 20 rows x 10 columns that any frame fails: hypothesis used to shrink all 200 cells one
    # by one (about 750 calls); now it drops to one explored row and stops
    specs = {f"x{i}": {"dtype": "float", "min": 0, "max": 100} for i in range(9)}
    specs["id"] = {"dtype": "int", "min": 0, "max": 10**6, "unique": True}
    columns = {name: Column.model_validate(spec) for name, spec in specs.items()}

    def test(generated: Generated, target: str | None) -> Found | None:
        return Found("any", generated.frame, Broken("fails"), example=generated)

    result = search(frames(columns, Rows(min=20, max=60), Timers()), test, seed=4, examples=10)
    assert result.found is not None and len(result.found.frame) >= 20
    assert result.shrink_calls < 100, result.shrink_calls


def test_distinct_rows_means_no_duplicated_rows() -> None:
    specs = {"a": {"dtype": "bool"}, "b": {"dtype": "int", "min": 0, "max": 2, "nulls": True}}
    sample = collect(specs, rows=(1, 8), examples=60, distinct=True)
    assert max(len(f) for f in sample) >= 6
    assert not any(f.duplicated().any() for f in sample)


def test_open_bounds_generate_any_finite_number() -> None:
    sample = collect({"x": {"dtype": "float"}, "n": {"dtype": "int"}}, examples=60)
    values = pd.concat([f["x"] for f in sample])
    assert values.map(math.isfinite).all()
    assert values.abs().max() > 1e6  # hypothesis reaches far beyond any default span


def test_same_seed_same_frames_other_seed_other_frames() -> None:
    first, again, other = collect(SPECS, seed=7), collect(SPECS, seed=7), collect(SPECS, seed=8)
    assert len(first) == len(again)
    for left, right in zip(first, again, strict=True):
        pd.testing.assert_frame_equal(left, right)
    assert any(not a.equals(b) for a, b in zip(first, other, strict=False))


def shrunk_old_customer(seed: int) -> pd.DataFrame | None:
    """The shrunk frame of a search that fails on any customer older than 90."""
    columns = {name: Column.model_validate(spec) for name, spec in SPECS.items()}

    def test(generated: Generated, target: str | None) -> Found | None:
        if (generated.frame["age"] > 90).any():
            return Found("old", generated.frame, Broken("too old"), example=generated)
        return None

    result = search(frames(columns, Rows(min=1, max=60), Timers()), test, seed=seed, examples=50)
    return result.found.frame if result.found else None


def test_the_ci_profile_cannot_change_what_is_generated() -> None:
    plain = collect(SPECS, seed=3, examples=30), shrunk_old_customer(3)
    settings.load_profile("ci")  # what hypothesis loads by itself when CI is set
    try:
        under_ci = collect(SPECS, seed=3, examples=30), shrunk_old_customer(3)
    finally:
        settings.load_profile("default")
    assert len(plain[0]) == len(under_ci[0])
    for left, right in zip(plain[0], under_ci[0], strict=True):
        pd.testing.assert_frame_equal(left, right)
    assert plain[1] is not None and under_ci[1] is not None
    pd.testing.assert_frame_equal(plain[1], under_ci[1])


def test_values_restrict_every_dtype_that_takes_them() -> None:
    specs = {
        "grade": {"dtype": "int", "values": [1, 5, 9]},
        "ratio": {"dtype": "float", "values": [0.5, 1.5]},
        "code": {"dtype": "str", "values": ["a-1", "b-2"]},
        "day": {
            "dtype": "datetime",
            "values": ["2024-01-01T00:00:00Z", "2024-06-01T12:00:00+02:00"],
        },
    }
    sample = collect(specs, examples=40)
    days = {pd.Timestamp("2024-01-01", tz="UTC"), pd.Timestamp("2024-06-01T10:00", tz="UTC")}
    for frame in sample:
        assert set(frame["grade"]) <= {1, 5, 9} and str(frame["grade"].dtype) == "int64"
        assert set(frame["ratio"]) <= {0.5, 1.5} and set(frame["code"]) <= {"a-1", "b-2"}
        assert set(frame["day"]) <= days
    assert set(pd.concat([f["grade"] for f in sample])) == {1, 5, 9}

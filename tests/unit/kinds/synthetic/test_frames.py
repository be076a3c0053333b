"""Edge cases as frames: written rows and CSV files, in the generated columns' dtypes."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from tests.conftest import Write

from closeout.errors import DataError
from closeout.kinds.synthetic.frames import edge_case_frames
from closeout.kinds.synthetic.spec import SyntheticScenario
from closeout.kinds.synthetic.strategies import Timers
from closeout.kinds.synthetic.transform import TransformRun
from closeout.project import load_project

SPECS: dict[str, dict[str, Any]] = {
    "income": {"dtype": "float", "min": 0, "max": 1000000, "nulls": True},
    "age": {"dtype": "int", "min": 18, "max": 100},
    "name": {"dtype": "str", "min_length": 2, "max_length": 5},
    "vip": {"dtype": "bool"},
    "region": {"dtype": "category", "values": ["EU", "US", "APAC"]},
    "signup": {"dtype": "datetime", "min": "2020-01-01T00:00:00Z", "max": "2025-12-31T00:00:00Z"},
}


def scenario(extra: dict[str, Any]) -> SyntheticScenario:
    data = {
        "action": "A1",
        "kind": "synthetic",
        "function": "code/s.py:f",
        "columns": SPECS,
        "rows": {"min": 1, "max": 10},
        "examples": 10,
        **extra,
    }
    return SyntheticScenario.model_validate(data)


def test_edge_cases_are_tried_first_and_as_written(project_dir: Path) -> None:
    edge_rows = [
        [{"income": 4200000, "region": "MARS", "age": 41, "signup": "2024-03-01T00:00:00Z"}],
        [{"income": "NaN", "name": "x"}, {"income": "-inf", "vip": True}],
    ]
    model = scenario({"edge_cases": edge_rows})
    edges = edge_case_frames(model, load_project())
    calls: list[pd.DataFrame] = []
    TransformRun(model, lambda df: calls.append(df) or df, {}, Timers()).run(edges, seed=1)
    first, second = calls[0], calls[1]
    assert first["income"].tolist() == [4200000.0] and first["age"].tolist() == [41]
    assert first["region"].tolist() == ["MARS"]  # a new category is kept, not dropped
    assert first["signup"].tolist() == [pd.Timestamp("2024-03-01", tz="UTC")]
    assert math.isnan(second["income"][0]) and second["income"][1] == -math.inf
    assert second["age"].isna().all() and str(second["age"].dtype) == "Int64"  # missing key
    assert len(calls) > 2  # then generated frames


def test_edge_cases_from_a_csv_file(project_dir: Path, write: Write) -> None:
    write(
        "fixtures/INC-1/rows.csv",
        "income,age,name,vip,region,signup\n"
        "12.5,41,ann,True,EU,2024-03-01T10:00:00\n"
        ",,,False,APAC,2024-03-01T12:00:00+02:00\n",
    )
    model = scenario({"edge_cases": [{"file": "fixtures/INC-1/rows.csv"}]})
    (label, case), *_ = edge_case_frames(model, load_project())
    frame = case.frame
    assert label == "edge_cases[0]"
    assert frame["income"].tolist()[0] == 12.5 and math.isnan(frame["income"][1])
    assert str(frame["age"].dtype) == "Int64" and frame["age"].isna().tolist() == [False, True]
    assert frame["age"][0] == 41 and frame["name"][0] == "ann"
    assert frame["name"].isna().tolist() == [False, True]  # None on pandas 2, NaN on pandas 3
    assert frame["signup"].tolist() == [
        pd.Timestamp("2024-03-01T10:00:00", tz="UTC"),  # naive: read as UTC
        pd.Timestamp("2024-03-01T10:00:00", tz="UTC"),
    ]


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        ("income,age\n1,2\n", "rows.csv: no column 'name'"),
        (
            "income,age,name,vip,region,signup,extra\n1,2,a,True,EU,2024-01-01,3\n",
            "column 'extra' is not a generated column",
        ),
        (
            "income,age,name,vip,region,signup\n1,2.5,a,True,EU,2024-01-01\n",
            "rows.csv:2: column 'age'",
        ),
    ],
)
def test_bad_edge_case_files_are_data_errors(
    project_dir: Path, write: Write, csv: str, message: str
) -> None:
    write("fixtures/INC-1/rows.csv", csv)
    model = scenario({"edge_cases": [{"file": "fixtures/INC-1/rows.csv"}]})
    with pytest.raises(DataError, match=re.escape(message)):
        edge_case_frames(model, load_project())

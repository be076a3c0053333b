"""Counterexample encoding: JSON-safe markers, the row cap, the table and the pandas literal."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
from tests.conftest import Write

from closeout.kinds.synthetic.encode import encode_frame, frame_literal, table_text
from closeout.kinds.synthetic.frames import edge_case_frames
from closeout.kinds.synthetic.spec import SyntheticScenario
from closeout.project import load_project


def awkward() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "income": [1.5, math.nan, math.inf, -math.inf],
            "count": pd.array([1, None, 3, 4], dtype="Int64"),
            "name": ["ann", None, "NaN", " padded"],
            "region": pd.Categorical(["EU", None, "US", "EU"], categories=["EU", "US"]),
            "when": pd.to_datetime(
                ["2024-03-01T10:00:00Z", None, "2024-03-01T10:00:00.5Z", "1969-12-31T23:59:59Z"],
                format="ISO8601",
            ),
            "flag": [True, False, True, False],
            "small": np.array([1, 2, 3, 4], dtype=np.int16),
        }
    )


def test_special_values_become_explicit_markers() -> None:
    encoded = encode_frame(awkward())
    assert encoded["data"][1] == {
        "income": "NaN",
        "count": None,
        "name": None,
        "region": None,
        "when": "NaT",
        "flag": False,
        "small": 2,
    }
    assert [row["income"] for row in encoded["data"]] == [1.5, "NaN", "inf", "-inf"]
    assert [row["when"] for row in encoded["data"]] == [
        "2024-03-01T10:00:00Z",
        "NaT",
        "2024-03-01T10:00:00.5Z",
        "1969-12-31T23:59:59Z",
    ]
    assert encoded["columns"]["when"] == "datetime64[ns, UTC]"
    json.dumps(encoded, allow_nan=False)  # would raise on a bare NaN or inf


def test_the_frame_is_capped_at_fifty_rows_and_keeps_its_size() -> None:
    encoded = encode_frame(pd.DataFrame({"x": range(120)}))
    assert (encoded["rows"], encoded["shown"], len(encoded["data"])) == (120, 50, 50)
    assert encoded["data"][-1] == {"x": 49}


def test_the_table_is_readable() -> None:
    text = table_text(encode_frame(awkward()))
    lines = text.splitlines()
    assert lines[0].split() == ["#", "income", "count", "name", "region", "when", "flag", "small"]
    assert lines[1].split() == [
        "float64",
        "Int64",
        "object",
        "category",
        "datetime64[ns,",
        "UTC]",
        "bool",
        "int16",
    ]
    assert lines[3].split()[:3] == ["0", "1.5", "1"]
    assert lines[4].split() == ["1", "NaN", "null", "null", "null", "NaT", "False", "2"]
    assert "'NaN'" in lines[5] and "' padded'" in lines[6]  # text that could be misread is quoted


def test_long_tables_say_how_many_rows_are_hidden() -> None:
    text = table_text(encode_frame(pd.DataFrame({"x": range(120)})), limit=5)
    assert text.splitlines()[-1] == "... 115 more rows (120 in all; evidence keeps 50)"


def test_the_pandas_literal_rebuilds_the_frame() -> None:
    frame = awkward().drop(columns=["name"])  # None vs NaN in object columns is not kept
    rebuilt = eval(frame_literal(encode_frame(frame)), {"pd": pd})
    pd.testing.assert_frame_equal(rebuilt, frame, check_categorical=False)


def test_a_counterexample_pastes_back_as_an_edge_case(project_dir: Path, write: Write) -> None:
    columns = {
        "income": {"dtype": "float", "nulls": True},
        "count": {"dtype": "int", "nulls": True},
        "name": {"dtype": "str", "nulls": True},
        "region": {"dtype": "category", "values": ["EU", "US"], "nulls": True},
        "when": {"dtype": "datetime", "nulls": True},
        "flag": {"dtype": "bool"},
    }
    frame = awkward().drop(columns=["small"])
    data = encode_frame(frame)["data"]
    scenario = SyntheticScenario.model_validate(
        {
            "action": "A1",
            "kind": "synthetic",
            "function": "x.py:f",
            "columns": columns,
            "edge_cases": [data],
        }
    )
    (_, case), *_ = edge_case_frames(scenario, load_project())
    rebuilt = case.frame
    pd.testing.assert_frame_equal(rebuilt, frame.astype({"when": "datetime64[ns, UTC]"}))

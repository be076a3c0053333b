"""Counterexample encoding: JSON-safe markers, the row cap, the table and the pandas literal.

Infinities are written as the evidence policy says ("Infinity", "-Infinity"); counterexamples
recorded before it hold "inf" and "-inf" and must still paste back and render.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
from tests.conftest import Write

from closeout._numbers import NAN, NEG_INF, POS_INF
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
    assert [row["income"] for row in encoded["data"]] == [1.5, "NaN", "Infinity", "-Infinity"]
    assert [row["when"] for row in encoded["data"]] == [
        "2024-03-01T10:00:00Z",
        "NaT",
        "2024-03-01T10:00:00.5Z",
        "1969-12-31T23:59:59Z",
    ]
    # the frame's own dtype: nanoseconds on pandas 2, microseconds on pandas 3
    assert encoded["columns"]["when"] == str(awkward()["when"].dtype)
    json.dumps(encoded, allow_nan=False)  # would raise on a bare NaN or inf


def test_the_frame_is_capped_at_fifty_rows_and_keeps_its_size() -> None:
    encoded = encode_frame(pd.DataFrame({"x": range(120)}))
    assert (encoded["rows"], encoded["shown"], len(encoded["data"])) == (120, 50, 50)
    assert encoded["data"][-1] == {"x": 49}


def test_the_table_is_readable() -> None:
    text = table_text(encode_frame(awkward()))
    lines = text.splitlines()
    assert lines[0].split() == ["#", "income", "count", "name", "region", "when", "flag", "small"]
    # pandas names the dtypes (text is object on pandas 2, str on pandas 3)
    assert lines[1].split() == " ".join(str(d) for d in awkward().dtypes).split()
    assert lines[1].split()[:2] == ["float64", "Int64"] and lines[1].split()[-2:] == [
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


def test_infinities_follow_the_evidence_policy() -> None:
    encoded = encode_frame(pd.DataFrame({"x": [math.nan, math.inf, -math.inf]}))
    assert [row["x"] for row in encoded["data"]] == [NAN, POS_INF, NEG_INF]
    assert json.loads(json.dumps(encoded))["data"][1]["x"] == "Infinity"


def test_text_that_reads_like_an_infinity_is_quoted_in_the_table() -> None:
    frame = pd.DataFrame({"x": [math.inf], "text": ["Infinity"], "old": ["inf"]})
    row = table_text(encode_frame(frame)).splitlines()[3]
    assert row.split() == ["0", "Infinity", "'Infinity'", "'inf'"]


OLD_COUNTEREXAMPLE = {  # metrics.counterexamples[...].frame as recorded before the policy
    "rows": 3,
    "shown": 3,
    "columns": {"income": "float64", "when": "datetime64[ns, UTC]"},
    "data": [
        {"income": "inf", "when": "2024-03-01T10:00:00Z"},
        {"income": "-inf", "when": "NaT"},
        {"income": "NaN", "when": "2024-03-01T10:00:00.5Z"},
    ],
}


def test_an_old_spelling_counterexample_still_pastes_back_as_an_edge_case(
    project_dir: Path,
) -> None:
    scenario = SyntheticScenario.model_validate(
        {
            "action": "A1",
            "kind": "synthetic",
            "function": "x.py:f",
            "columns": {
                "income": {"dtype": "float", "nulls": True},
                "when": {"dtype": "datetime", "nulls": True},
            },
            "edge_cases": [OLD_COUNTEREXAMPLE["data"]],
        }
    )
    (_, case), *_ = edge_case_frames(scenario, load_project())
    income = case.frame["income"].tolist()
    assert income[:2] == [math.inf, -math.inf] and math.isnan(income[2])
    assert case.frame["when"].isna().tolist() == [False, True, False]
    # and, encoded again, it is written in the policy's spelling
    assert [row["income"] for row in encode_frame(case.frame)["data"]] == [
        "Infinity",
        "-Infinity",
        "NaN",
    ]


def test_an_old_spelling_counterexample_still_renders() -> None:
    lines = table_text(OLD_COUNTEREXAMPLE).splitlines()
    assert [line.split()[1] for line in lines[3:]] == ["inf", "-inf", "NaN"]
    rebuilt = eval(frame_literal(OLD_COUNTEREXAMPLE), {"pd": pd})
    assert rebuilt["income"].tolist()[:2] == [math.inf, -math.inf]
    assert math.isnan(rebuilt["income"][2]) and rebuilt["when"].isna().tolist()[1]

"""transform mode end to end: each property holds on good code and breaks on bad code.

Counterexamples are checked against values worked out by hand from each subject below: the
smallest frame (one row) and, where a number decides, the smallest whole number that breaks
the property (e.g. ``income * 100 > 1_000_000`` first holds at 10001).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from tests.conftest import Write

from closeout.loader import load_scenario
from closeout.project import load_project
from closeout.runner import ScenarioRun, run_loaded

# The dtype of a column of text: object on pandas 2, str on pandas 3.
TEXT = str(pd.Series(["text"]).dtype)

CODE = """\
import pandas as pd

def identity(df):
    return df

def fill(df):
    out = df.copy()
    out["income"] = out["income"].fillna(0.0).clip(0, 1_000_000)
    return out

def drops_null_rows(df):
    return df.dropna().reset_index(drop=True)

def adds_a_row(df):
    return pd.concat([df, df.head(1)], ignore_index=True)

def drops_region(df):
    return df.drop(columns=["region"])

def income_as_text(df):
    return df.assign(income=df["income"].astype(str))

def cents(df):
    return df.assign(income=df["income"] * 100)

def negates(df):
    return df.assign(income=-df["income"])

def returns_list(df):
    return list(df.columns)

def raises_on_old(df):
    if (df["age"] > 90).any():
        raise KeyError("age_bucket")
    return df

def always_raises(df):
    raise RuntimeError("not implemented yet")

def two_args(df, config):
    return df

def income_not_negative(before, after):
    assert (after["income"].dropna() >= 0).all(), "negative income"

def same_rows(before, after):
    return len(before) == len(after)

def one_arg(after):
    return True

def renamed(df):
    return df

del renamed  # the code moved on since lint read it
renamed_to = identity
"""

SCENARIO = """\
action: A1
kind: synthetic
function: "code/t.py:{function}"
columns:
  income: {{dtype: float, min: 0, max: 1000000, nulls: true}}
  region: {{dtype: category, values: [EU, US, APAC]}}
  age: {{dtype: int, min: 18, max: 100}}
rows: {{min: 1, max: 20}}
examples: 30
seed: 11
properties:
{properties}
"""


def run(write: Write, function: str, properties: str) -> ScenarioRun:
    write("code/t.py", CODE)
    path = write(
        "scenarios/INC-1/s.yaml", SCENARIO.format(function=function, properties=properties)
    )
    project = load_project()
    return run_loaded(load_scenario(project, path), project, artifacts=False)


def outcomes(result: ScenarioRun) -> dict[str, str]:
    return {o.name: o.outcome for o in result.fixed.outcomes}


def counterexample(result: ScenarioRun, name: str) -> dict[str, Any]:
    found: dict[str, Any] = result.fixed.metrics["counterexamples"][name]
    return found


ALL = """\
  - no_exception
  - no_nulls: [income]
  - in_range: {income: [0, 1000000], age: [18, 100]}
  - row_count: preserved
  - columns_preserved
  - dtype: {income: float64, region: category, age: int}
  - check: "code/t.py:income_not_negative"
"""


def test_every_property_holds_on_a_correct_transform(project_dir: Path, write: Write) -> None:
    result = run(write, "fill", ALL)
    assert result.fixed.verdict == "pass", result.fixed.outcomes
    assert len(result.fixed.outcomes) == 7
    assert all("held on 30 frames" in o.observed for o in result.fixed.outcomes)
    assert result.fixed.metrics["counterexamples"] == {}


@pytest.mark.parametrize(
    ("function", "prop", "broken", "observed"),
    [
        (
            "identity",
            "  - no_nulls: [income]",
            "no_nulls: income",
            "output column 'income' has 1 null (row 0)",
        ),
        (
            "drops_null_rows",
            "  - row_count: preserved",
            "row_count: preserved",
            "output has 0 rows, input 1",
        ),
        (
            "adds_a_row",
            "  - row_count: at_most_input",
            "row_count: at_most_input",
            "output has 2 rows, more",
        ),
        (
            "drops_region",
            "  - columns_preserved",
            "columns_preserved",
            "output lacks input column region",
        ),
        (
            "income_as_text",
            "  - dtype: {income: float64}",
            "dtype: income: float64",
            f"is {TEXT}, not float64",
        ),
        (
            "income_as_text",
            "  - dtype: {income: float}",
            "dtype: income: float",
            f"is {TEXT}, not float",
        ),
        (
            "drops_region",
            "  - no_nulls: [region]",
            "no_nulls: region",
            "output has no column 'region'",
        ),
        ("returns_list", "  - no_exception", "no_exception", "returned list, not a DataFrame"),
    ],
)
def test_each_property_breaks_on_a_one_row_counterexample(
    project_dir: Path, write: Write, function: str, prop: str, broken: str, observed: str
) -> None:
    result = run(write, function, prop)
    assert outcomes(result)[broken] == "fail"
    outcome = next(o for o in result.fixed.outcomes if o.name == broken)
    assert observed in outcome.observed
    assert counterexample(result, broken)["frame"]["rows"] == 1


def test_nulls_are_kept_as_explicit_markers_in_the_counterexample(
    project_dir: Path, write: Write
) -> None:
    result = run(write, "drops_null_rows", "  - row_count: preserved")
    frame = counterexample(result, "row_count: preserved")["frame"]
    # dropna() loses a row only when a cell is null: the only nullable column is income
    assert frame["data"] == [{"income": "NaN", "region": "EU", "age": 18}]
    assert frame["columns"] == {"income": "float64", "region": "category", "age": "int64"}
    json.dumps(result.fixed.metrics, allow_nan=False)  # JSON-safe, as the evidence needs


def test_in_range_counterexample_is_the_smallest_breaking_value(
    project_dir: Path, write: Write
) -> None:
    result = run(write, "cents", "  - in_range: {income: [0, 1000000]}")
    found = counterexample(result, "in_range: income in [0, 1000000]")
    # income * 100 > 1_000_000 first holds at income = 10001 (whole numbers are tried)
    assert found["frame"]["data"] == [{"income": 10001.0, "region": "EU", "age": 18}]
    assert "has 1 value outside [0, 1000000]: 1000100.0 (row 0)" in found["message"]


def test_an_exception_breaks_no_exception_with_the_subject_traceback(
    project_dir: Path, write: Write
) -> None:
    result = run(write, "raises_on_old", "  - row_count: preserved")
    assert outcomes(result) == {"no_exception (implied)": "fail", "row_count: preserved": "pass"}
    found = counterexample(result, "no_exception")
    assert found["frame"]["data"] == [{"income": 0.0, "region": "EU", "age": 91}]  # age > 90
    assert 'raise KeyError("age_bucket")' in found["traceback"]
    assert "code/t.py" in found["traceback"] and "closeout/kinds" not in found["traceback"]
    detail = result.fixed.outcomes[0].detail
    assert "KeyError: 'age_bucket'" in detail and "traceback (user code):" in detail
    # the frames on which the subject raised cannot be judged for other properties
    assert "skipped, the subject raised" in result.fixed.outcomes[1].observed


@pytest.mark.parametrize("function", ["always_raises", "returns_list"])
def test_a_property_judged_on_no_frame_is_inconclusive_not_a_pass(
    project_dir: Path, write: Write, function: str
) -> None:
    properties = "  - row_count: preserved\n  - columns_preserved"
    result = run(write, function, properties)
    assert outcomes(result) == {
        "no_exception (implied)": "fail",
        "row_count: preserved": "inconclusive",
        "columns_preserved": "inconclusive",
    }
    assert result.fixed.verdict == "fail"  # the exception fails the run; the rest is unknown
    for outcome in result.fixed.outcomes[1:]:
        assert "held on" not in outcome.observed and outcome.detail == ""
        # judged by the last search, which ran every one of the scenario's 30 examples
        assert outcome.observed == (
            "not judged: the subject returned no DataFrame for any of the 30 frames "
            "(see no_exception)"
        )


def test_a_property_skipped_on_some_frames_still_holds_on_the_others(
    project_dir: Path, write: Write
) -> None:
    result = run(write, "raises_on_old", "  - row_count: preserved")
    row_count = result.fixed.outcomes[1]
    held = re.search(
        r"held on (\d+) frames? .*; (\d+) skipped, the subject raised", row_count.observed
    )
    assert row_count.outcome == "pass" and held is not None, row_count.observed
    assert int(held.group(1)) > 0 and int(held.group(2)) > 0


def test_check_callables_fail_by_assertion_or_by_returning_false(
    project_dir: Path, write: Write
) -> None:
    properties = '  - check: "code/t.py:income_not_negative"\n  - check: "code/t.py:same_rows"'
    result = run(write, "negates", properties)
    assert outcomes(result)["check: code/t.py:income_not_negative"] == "fail"
    assert outcomes(result)["check: code/t.py:same_rows"] == "pass"
    found = counterexample(result, "check: code/t.py:income_not_negative")
    assert found["frame"]["data"] == [{"income": 1.0, "region": "EU", "age": 18}]  # -1 < 0
    assert "AssertionError: negative income" in found["message"]
    result = run(write, "drops_null_rows", '  - check: "code/t.py:same_rows"')
    assert "returned False" in counterexample(result, "check: code/t.py:same_rows")["message"]


def test_several_broken_properties_are_each_reported_with_their_own_counterexample(
    project_dir: Path, write: Write
) -> None:
    result = run(write, "cents", "  - no_nulls: [income]\n  - in_range: {income: [0, 1000000]}")
    assert set(outcomes(result).values()) == {"pass", "fail"}
    assert outcomes(result)["no_nulls: income"] == "fail"
    assert outcomes(result)["in_range: income in [0, 1000000]"] == "fail"
    found = result.fixed.metrics["counterexamples"]
    assert found["no_nulls: income"]["frame"]["data"][0]["income"] == "NaN"
    assert found["in_range: income in [0, 1000000]"]["frame"]["data"][0]["income"] == 10001.0


def test_red_and_green_on_function(project_dir: Path, write: Write) -> None:
    write("code/t.py", CODE)
    text = SCENARIO.format(function="fill", properties="  - no_nulls: [income]")
    path = write("scenarios/INC-1/s.yaml", text + 'before: {function: "code/t.py:identity"}\n')
    project = load_project()
    result = run_loaded(load_scenario(project, path), project, artifacts=False)
    assert (result.fixed.verdict, result.before_verdict, result.discriminating) == (
        "pass",
        "fail",
        True,
    )
    assert result.before is not None
    assert result.before.metrics["function"] == "code/t.py:identity"


@pytest.mark.parametrize(
    ("function", "properties", "message"),
    [
        (
            "two_args",
            "  - no_exception",
            "code/t.py:two_args: wrong signature: closeout calls it with one DataFrame, "
            "but it is two_args(df, config)",
        ),
        (
            "fill",
            '  - check: "code/t.py:one_arg"',
            "code/t.py:one_arg: wrong signature: closeout calls it with (input_df, output_df)",
        ),
        # defined when lint read the file, gone when the run imports it
        ("renamed", "  - no_exception", "module has no attribute 'renamed' (did you mean"),
    ],
)
def test_callables_that_cannot_be_called_are_errors_not_tracebacks(
    project_dir: Path, write: Write, function: str, properties: str, message: str
) -> None:
    result = run(write, function, properties)
    assert result.fixed.verdict == "error"
    assert message in (result.fixed.error or ""), result.fixed.error
    assert result.fixed.traceback is None


DATED = """\
action: A1
kind: synthetic
function: "code/d.py:{function}"
columns:
  signup: {{dtype: datetime, min: 2020-01-01T00:00:00Z, max: 2025-12-31T00:00:00Z}}
  flag: {{dtype: bool, nulls: true}}
rows: {{min: 1, max: 10}}
examples: 30
properties:
  - in_range: {{signup: [2020-01-01T00:00:00Z, 2025-12-31T00:00:00Z]}}
  - dtype: {{signup: datetime, flag: boolean}}
"""

DATED_CODE = """\
import pandas as pd

def later(df):
    return df.assign(signup=df["signup"] + pd.Timedelta(days=365))

def naive_text(df):
    return df.assign(signup=df["signup"].dt.strftime("%Y-%m-%d"), flag=df["flag"].astype(object))
"""


def test_datetime_ranges_and_dtype_kinds(project_dir: Path, write: Write) -> None:
    write("code/d.py", DATED_CODE)
    project = load_project()
    path = write("scenarios/INC-1/s.yaml", DATED.format(function="later"))
    result = run_loaded(load_scenario(project, path), project, artifacts=False)
    name = "in_range: signup in [2020-01-01T00:00:00Z, 2025-12-31T00:00:00Z]"
    assert outcomes(result) == {
        "no_exception (implied)": "pass",
        name: "fail",
        "dtype: signup: datetime, flag: boolean": "pass",
    }
    found = counterexample(result, name)["frame"]["data"]
    # 365 days after 2024-12-31T00:00:00 is exactly the upper bound 2025-12-31T00:00:00, so the
    # first whole second that leaves the range is one second later
    assert len(found) == 1 and found[0]["signup"] == "2024-12-31T00:00:01Z"
    path = write("scenarios/INC-1/s.yaml", DATED.format(function="naive_text"))
    result = run_loaded(load_scenario(project, path), project, artifacts=False)
    assert f"is {TEXT}, not a datetime" in result.fixed.outcomes[1].observed
    assert f"is {TEXT}, not datetime" in result.fixed.outcomes[2].observed

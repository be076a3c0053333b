"""The synthetic scenario model and its static checks: every bad input is a located message.

Each case writes one scenario with a single mistake and checks lint's `file:line: field:
message`; the line numbers are counted by hand in the YAML below.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.conftest import Write

from closeout.cli import main
from closeout.errors import ScenarioError
from closeout.loader import load_scenario
from closeout.project import load_project

CODE = """\
def ok(df):
    return df

def check_pair(before, after):
    return True
"""

VALID = """\
action: A1
kind: synthetic
function: "code/subject.py:ok"
mode: {mode}
columns:
  income: {{dtype: float, min: 0, max: 1000000, nulls: {nulls}}}
  region: {{dtype: category, values: [EU, US, APAC]}}
  age: {{dtype: int, min: 18, max: 100}}
  signup: {{dtype: datetime, min: 2020-01-01T00:00:00Z, max: 2025-12-31T00:00:00Z}}
rows: {{min: 1, max: 20}}
examples: 5
{extra}
"""


def scenario(mode: str = "transform", nulls: str = "true", extra: str = "") -> str:
    return VALID.format(mode=mode, nulls=nulls, extra=extra)


def problems(write: Write, text: str) -> list[str]:
    write("code/subject.py", CODE)
    path = write("scenarios/INC-1/s.yaml", text)
    try:
        load_scenario(load_project(), path)
    except ScenarioError as exc:
        return [str(p) for p in exc.problems]
    return []


def test_a_complete_transform_scenario_loads(project_dir: Path, write: Write) -> None:
    extra = """\
edge_cases:
  - [{income: 4200000, region: EU, age: 41, signup: 2024-03-01T00:00:00Z}]
  - [{income: NaN, region: MARS}, {income: inf}]
properties:
  - no_exception
  - no_nulls: [income]
  - in_range: {income: [0, 1000000], signup: [2020-01-01T00:00:00Z, 2026-01-01T00:00:00Z]}
  - row_count: preserved
  - columns_preserved: true
  - dtype: {income: float64, region: category, signup: "datetime64[ns, UTC]"}
  - check: "code/subject.py:check_pair"
before:
  function: "code/subject.py:ok"
"""
    assert problems(write, scenario(extra=extra)) == []


def test_a_complete_validator_scenario_loads(project_dir: Path, write: Write) -> None:
    extra = """\
faults:
  - {inject: nulls, column: age, rate: 0.3}
  - {inject: out_of_range, column: age, value: -1}
  - {inject: scale, column: income, factor: 100}
  - {inject: drop_column, column: region}
  - {inject: duplicate_rows, rate: 0.2}
  - {inject: dtype, column: age, to: str}
  - {inject: new_category, column: region, value: MARS}
  - {inject: out_of_range, column: signup, value: 2031-01-01T00:00:00Z}
expect: {accepts_clean: true, rejects: [0, 1, 6]}
"""
    assert problems(write, scenario(mode="validator", extra=extra)) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            scenario().replace("dtype: float", "dtype: floot"),
            "s.yaml:6: columns.income.dtype: 'floot' is not one of float, int, str, bool, "
            "category, datetime (did you mean 'float'?)",
        ),
        (
            scenario().replace("min: 18, max: 100", "min: 100, max: 18"),
            "s.yaml:8: columns.age.max: contradictory bounds: min 100 is above max 18",
        ),
        (
            scenario().replace("min: 2020-01-01T00:00:00Z", "min: 2020-01-01"),
            "s.yaml:9: columns.signup.min: timestamp '2020-01-01' has no offset",
        ),
        (
            scenario().replace("min: 18, max: 100", "min: 18.5, max: 100"),
            "s.yaml:8: columns.age.min: an int column needs whole-number bounds",
        ),
        (
            scenario().replace("values: [EU, US, APAC]", "values: [EU, US, EU]"),
            "s.yaml:7: columns.region.values: values are listed twice",
        ),
        (
            scenario().replace("dtype: category, values: [EU, US, APAC]", "dtype: category"),
            "s.yaml:7: columns.region.values: a category column needs its values",
        ),
        (
            scenario().replace("min: 18, max: 100", "min: 18, max: 100, values: [17, 20]"),
            "s.yaml:8: columns.age.values: value 17 is outside [min, max]: contradictory bounds",
        ),
        (
            scenario().replace("dtype: category, values: [EU, US, APAC]", "dtype: str, min: 2"),
            "s.yaml:7: columns.region.min: min/max do not apply to str columns; "
            "use min_length/max_length",
        ),
        (
            scenario().replace("rows: {min: 1, max: 20}", "rows: {min: 30, max: 20}"),
            "s.yaml:10: rows.max: contradictory bounds: rows.min 30 is above rows.max 20",
        ),
        (
            scenario(extra="properties: [no_nuls]"),
            "s.yaml:12: properties[0]: unknown property 'no_nuls' (did you mean 'no_nulls'?)",
        ),
        (
            scenario(extra="properties: [no_nulls]"),
            "s.yaml:12: properties[0]: property 'no_nulls' needs an argument, e.g. "
            "{no_nulls: [income]}",
        ),
        (
            scenario(extra="properties: [{dtype: {income: flot64}}]"),
            "unknown dtype 'flot64' (did you mean 'float64'?)",
        ),
        (
            scenario(extra="properties: [{row_count: kept}]"),
            "'kept' is not one of preserved, at_most_input",
        ),
        (
            scenario(mode="validator", extra="faults: [{inject: scal, column: income}]"),
            "s.yaml:12: faults[0].inject: unknown fault 'scal' (did you mean 'scale'?)",
        ),
    ],
    ids=lambda value: re.sub(r"\W+", "-", value[-40:]) if isinstance(value, str) else None,
)
def test_bad_model_input_is_located(
    project_dir: Path, write: Write, text: str, expected: str
) -> None:
    found = problems(write, text)
    assert any(expected in p for p in found), found


def _located(found: list[str], line: int, field: str, message: str) -> bool:
    return any(f"s.yaml:{line}: {field}: " in p and message in p for p in found)


def test_faults_on_columns_that_are_not_generated_are_suggested(
    project_dir: Path, write: Write
) -> None:
    extra = """\
faults:
  - {inject: nulls, column: agee}
  - {inject: drop_column, column: regio}
"""
    found = problems(write, scenario(mode="validator", extra=extra))
    assert _located(
        found, 13, "faults[0].column", "no generated column 'agee' (did you mean 'age'?)"
    )
    assert _located(found, 14, "faults[1].column", "(did you mean 'region'?)")


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("{inject: nulls, column: income}", "allows nulls (nulls: true)"),
        ("{inject: out_of_range, column: age, value: 50}", "value 50 is inside the range of 'age'"),
        ("{inject: out_of_range, column: region, value: X}", "needs a numeric or datetime column"),
        ("{inject: out_of_range, column: signup, value: 2021-01-01T00:00:00Z}", "inside the range"),
        ("{inject: scale, column: region, factor: 2}", "scale needs a numeric column"),
        ("{inject: scale, column: income, factor: 1}", "does not change any value"),
        ("{inject: dtype, column: region, to: float}", "cannot convert a category column to float"),
        ("{inject: dtype, column: age, to: int}", "cannot convert a int column to int"),
        ("{inject: new_category, column: region, value: EU}", "'EU' is already one of the values"),
        ("{inject: new_category, column: income, value: X}", "needs a column with values"),
    ],
)
def test_faults_that_would_inject_nothing_are_errors(
    project_dir: Path, write: Write, fault: str, message: str
) -> None:
    found = problems(write, scenario(mode="validator", extra=f"faults:\n  - {fault}\n"))
    assert _located(found, 13, "faults[0]", message), found


def test_mode_fields_must_match_the_mode(project_dir: Path, write: Write) -> None:
    found = problems(write, scenario(extra="faults: [{inject: drop_column, column: age}]"))
    assert _located(found, 12, "faults", "faults apply to mode: validator")
    found = problems(write, scenario(mode="validator", extra="properties: [no_exception]"))
    assert _located(found, 12, "properties", "properties apply to mode: transform")
    extra = "faults: [{inject: drop_column, column: age}]\nexpect: {rejects: [0, 3, 0]}"
    found = problems(write, scenario(mode="validator", extra=extra))
    assert _located(found, 13, "expect.rejects[1]", "no fault 3: faults are numbered 0..0")
    assert _located(found, 13, "expect.rejects[2]", "fault 0 is listed twice")


def test_unique_columns_and_distinct_rows_must_be_satisfiable(
    project_dir: Path, write: Write
) -> None:
    text = scenario().replace("values: [EU, US, APAC]}", "values: [EU, US, APAC], unique: true}")
    found = problems(write, text.replace("rows: {min: 1,", "rows: {min: 4,"))
    assert _located(found, 7, "columns.region.unique", "can take only 3 distinct values")
    small = """\
action: A1
kind: synthetic
function: "code/subject.py:ok"
mode: validator
columns:
  flag: {dtype: bool}
rows: {min: 3, max: 5}
faults: [{inject: duplicate_rows}]
"""
    assert _located(problems(write, small), 7, "rows.min", "allow only 2 distinct rows")


def test_edge_case_cells_must_fit_their_columns(project_dir: Path, write: Write) -> None:
    extra = """\
edge_cases:
  - [{income: lots, regoin: EU, signup: 2024-03-01}]
  - {file: fixtures/missing.csv}
"""
    found = problems(write, scenario(extra=extra))
    assert _located(found, 13, "edge_cases[0][0].income", "'lots' is not a number")
    assert _located(found, 13, "edge_cases[0][0].regoin", "(did you mean 'region'?)")
    assert _located(found, 13, "edge_cases[0][0].signup", "has no offset")
    assert _located(found, 14, "edge_cases[1].file", "file 'fixtures/missing.csv' not found")


def test_callables_that_cannot_be_found_name_module_and_attribute(
    project_dir: Path, write: Write
) -> None:
    text = scenario(extra='properties: [{check: "code/subject.py:check_par"}]')
    text = text.replace("code/subject.py:ok", "code.subjct:ok")
    text += 'before: {function: "code/subject.py:okk"}\n'
    found = problems(write, text)
    assert _located(found, 3, "function", "module 'code.subjct' not found on python_paths")
    assert any("did you mean 'subject'" in p for p in found)
    assert _located(
        found, 12, "properties[0].check", "'check_par' is not defined in code/subject.py"
    )
    assert any("(did you mean 'check_pair'?)" in p for p in found)
    assert _located(found, 13, "before.function", "(did you mean 'ok'?)")


def test_lint_exits_2_with_the_location(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("code/subject.py", CODE)
    write("scenarios/INC-1/s.yaml", scenario().replace("max: 100}", "max: 10}"))
    assert main(["lint"]) == 2
    out = capsys.readouterr().out
    assert "scenarios/INC-1/s.yaml:8: columns.age.max: contradictory bounds" in out
    assert "Traceback" not in out


def test_schema_describes_the_synthetic_form() -> None:
    from closeout.schema import json_schema

    text = str(json_schema("scenario"))
    assert "SyntheticScenario" in text and "edge_cases" in text and "accepts_clean" in text

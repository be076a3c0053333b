"""Lint's cross-field checks of a synthetic scenario: each mistake is a located message.

Each case writes one scenario with a single mistake and checks lint's `file:line: field:
message`; the line numbers are counted by hand in the YAML of ``_scenario``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import Write
from tests.unit.kinds.synthetic._scenario import CODE, located, problems, scenario

from closeout.cli import main


def test_faults_on_columns_that_are_not_generated_are_suggested(
    project_dir: Path, write: Write
) -> None:
    extra = """\
faults:
  - {inject: nulls, column: agee}
  - {inject: drop_column, column: regio}
"""
    found = problems(write, scenario(mode="validator", extra=extra))
    assert located(
        found, 13, "faults[0].column", "no generated column 'agee' (did you mean 'age'?)"
    )
    assert located(found, 14, "faults[1].column", "(did you mean 'region'?)")


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
    assert located(found, 13, "faults[0]", message), found


def test_mode_fields_must_match_the_mode(project_dir: Path, write: Write) -> None:
    found = problems(write, scenario(extra="faults: [{inject: drop_column, column: age}]"))
    assert located(found, 12, "faults", "faults apply to mode: validator")
    found = problems(write, scenario(mode="validator", extra="properties: [no_exception]"))
    assert located(found, 12, "properties", "properties apply to mode: transform")
    extra = "faults: [{inject: drop_column, column: age}]\nexpect: {rejects: [0, 3, 0]}"
    found = problems(write, scenario(mode="validator", extra=extra))
    assert located(found, 13, "expect.rejects[1]", "no fault 3: faults are numbered 0..0")
    assert located(found, 13, "expect.rejects[2]", "fault 0 is listed twice")


def test_unique_columns_and_distinct_rows_must_be_satisfiable(
    project_dir: Path, write: Write
) -> None:
    text = scenario().replace("values: [EU, US, APAC]}", "values: [EU, US, APAC], unique: true}")
    found = problems(write, text.replace("rows: {min: 1,", "rows: {min: 4,"))
    assert located(found, 7, "columns.region.unique", "can take only 3 distinct values")
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
    assert located(problems(write, small), 7, "rows.min", "allow only 2 distinct rows")


def test_edge_case_cells_must_fit_their_columns(project_dir: Path, write: Write) -> None:
    extra = """\
edge_cases:
  - [{income: lots, regoin: EU, signup: 2024-03-01}]
  - {file: fixtures/missing.csv}
"""
    found = problems(write, scenario(extra=extra))
    assert located(found, 13, "edge_cases[0][0].income", "'lots' is not a number")
    assert located(found, 13, "edge_cases[0][0].regoin", "(did you mean 'region'?)")
    assert located(found, 13, "edge_cases[0][0].signup", "has no offset")
    assert located(found, 14, "edge_cases[1].file", "file 'fixtures/missing.csv' not found")


def test_callables_that_cannot_be_found_name_module_and_attribute(
    project_dir: Path, write: Write
) -> None:
    text = scenario(extra='properties: [{check: "code/subject.py:check_par"}]')
    text = text.replace("code/subject.py:ok", "code.subjct:ok")
    text += 'before: {function: "code/subject.py:okk"}\n'
    found = problems(write, text)
    assert located(found, 3, "function", "module 'code.subjct' not found on python_paths")
    assert any("did you mean 'subject'" in p for p in found)
    assert located(
        found, 12, "properties[0].check", "'check_par' is not defined in code/subject.py"
    )
    assert any("(did you mean 'check_pair'?)" in p for p in found)
    assert located(found, 13, "before.function", "(did you mean 'ok'?)")


def test_lint_exits_2_with_the_location(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("code/subject.py", CODE)
    write("scenarios/INC-1/s.yaml", scenario().replace("max: 100}", "max: 10}"))
    assert main(["lint"]) == 2
    out = capsys.readouterr().out
    assert "scenarios/INC-1/s.yaml:8: columns.age.max: contradictory bounds" in out
    assert "Traceback" not in out

"""The synthetic scenario model: every bad field is a located message, and the schema.

Each case writes one scenario with a single mistake and checks lint's `file:line: field:
message`; the line numbers are counted by hand in the YAML of ``_scenario``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.conftest import Write
from tests.unit.kinds.synthetic._scenario import problems, scenario

from closeout.schema import json_schema


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


def test_schema_describes_the_synthetic_form() -> None:
    text = str(json_schema("scenario"))
    assert "SyntheticScenario" in text and "edge_cases" in text and "accepts_clean" in text

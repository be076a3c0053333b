"""What a person sees: the pytest failure report and the evidence of a failing synthetic run."""

from __future__ import annotations

import json

# pytester's in-process runs restore sys.modules afterwards, and numpy cannot be imported
# twice in one process: load the libraries a run imports before any run.
import hypothesis.extra  # noqa: F401
import numpy  # noqa: F401
import pandas  # noqa: F401
import pytest
from tests.conftest import POSTMORTEM

pytest_plugins = ["pytester"]

CODE = """\
def passthrough(df):
    return df

def fill(df):
    return df.assign(income=df["income"].fillna(0.0))
"""

SCENARIO = """\
action: A1
kind: synthetic
function: "code/f.py:{function}"
columns:
  income: {{dtype: float, min: 0, max: 1000000, nulls: true}}
  region: {{dtype: category, values: [EU, US]}}
rows: {{min: 1, max: 10}}
examples: 20
properties:
  - no_nulls: [income]
  - row_count: preserved
"""


def project(pytester: pytest.Pytester, function: str) -> None:
    pytester.makefile(".toml", pyproject="[tool.closeout]\n")
    (pytester.path / "scenarios" / "INC-1").mkdir(parents=True)
    (pytester.path / "scenarios" / "INC-1" / "postmortem.yaml").write_text(POSTMORTEM)
    (pytester.path / "scenarios" / "INC-1" / "s.yaml").write_text(
        SCENARIO.format(function=function)
    )
    (pytester.path / "code").mkdir()
    (pytester.path / "code" / "f.py").write_text(CODE)


def test_the_failure_report_shows_the_counterexample_as_a_table(pytester: pytest.Pytester) -> None:
    project(pytester, "passthrough")
    result = pytester.runpytest_inprocess("scenarios", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    assert "FAIL  no_nulls: income" in text and "PASS  row_count: preserved" in text
    result.stdout.re_match_lines(
        [
            r".*counterexample \(generated, shrunk; 1 row, 2 columns\):",
            r"\s+#\s+income\s+region$",
            r"\s+float64\s+category$",
            r"\s+-\s+-+\s+-+$",
            r"\s+0\s+NaN\s+EU$",
            r".*why: output column 'income' has 1 null \(row 0\)",
            r".*as pandas, for a unit test:",
            r".*pd\.DataFrame\(\{'income': pd\.Series\(\[float\('nan'\)\], dtype='float64'\), .*",
        ]
    )
    assert "closeout/kinds" not in text  # no closeout traceback


def test_the_evidence_keeps_the_counterexample_json_safe(pytester: pytest.Pytester) -> None:
    project(pytester, "passthrough")
    pytester.runpytest_inprocess("scenarios", "-p", "no:cacheprovider")
    (record_path,) = list(pytester.path.glob("reports/INC-1/evidence/*.json"))
    record = json.loads(record_path.read_text(), parse_constant=_refuse)
    assert record["verdict"] == "fail" and record["kind"] == "synthetic"
    found = record["metrics"]["counterexamples"]["no_nulls: income"]
    assert found["frame"]["data"] == [{"income": "NaN", "region": "EU"}]
    assert found["expectation"] == "no_nulls: income" and found["source"] == "generated"
    (failing,) = [e for e in record["expectations"] if e["outcome"] == "fail"]
    assert "0  NaN      EU" in failing["detail"]
    assert record["inputs"]["code"] == {"code/f.py": record["inputs"]["code"]["code/f.py"]}


def test_a_passing_run_records_how_much_it_tried(pytester: pytest.Pytester) -> None:
    project(pytester, "fill")
    pytester.runpytest_inprocess("scenarios", "-p", "no:cacheprovider").assert_outcomes(passed=1)
    (record_path,) = list(pytester.path.glob("reports/INC-1/evidence/*.json"))
    metrics = json.loads(record_path.read_text())["metrics"]
    assert metrics["searches"][0]["generated"] == 20 and metrics["counterexamples"] == {}
    assert set(metrics["timing_s"]) == {"total", "hypothesis", "closeout", "subject"}


def _refuse(constant: str) -> None:
    raise AssertionError(f"bare {constant} in the evidence")

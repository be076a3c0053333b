"""validator mode end to end: clean frames accepted, each fault rejected, as its own outcome."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import Write

from closeout.loader import load_scenario
from closeout.project import load_project
from closeout.runner import ScenarioRun, run_loaded

VALIDATORS = """\
import numpy as np

def strict(df):
    if list(df.columns) != ["income", "age", "region"]:
        return False
    if df["income"].isna().any() or df.duplicated().any():
        return False
    if str(df["age"].dtype) != "int64" or not df["age"].between(18, 100).all():
        return False
    if not df["region"].isin(["EU", "US", "APAC"]).all():
        raise ValueError("unknown region")
    return bool((df["income"] <= 20_000).all())

def lenient(df):
    return "income" in df.columns

def numpy_answer(df):
    return np.bool_(not df["income"].isna().any())

def picky(df):
    if len(df) > 3:
        raise RuntimeError("too many rows for a test")
    return True
"""

SCENARIO = """\
action: A1
kind: synthetic
function: "code/v.py:{function}"
mode: validator
columns:
  income: {{dtype: float, min: 0, max: 20000}}
  age: {{dtype: int, min: 18, max: 100}}
  region: {{dtype: category, values: [EU, US, APAC]}}
rows: {{min: 1, max: 15}}
examples: 25
seed: 5
faults:
  - {{inject: nulls, column: income, rate: 0.3}}
  - {{inject: out_of_range, column: age, value: -1}}
  - {{inject: scale, column: income, factor: 100}}
  - {{inject: drop_column, column: region}}
  - {{inject: duplicate_rows, rate: 0.2}}
  - {{inject: dtype, column: age, to: str}}
  - {{inject: new_category, column: region, value: MARS}}
{extra}
"""


def run(write: Write, function: str, extra: str = "") -> ScenarioRun:
    write("code/v.py", VALIDATORS)
    path = write("scenarios/INC-1/s.yaml", SCENARIO.format(function=function, extra=extra))
    project = load_project()
    return run_loaded(load_scenario(project, path), project, artifacts=False)


def by_fault(result: ScenarioRun) -> list[str]:
    return [o.outcome for o in result.fixed.outcomes]


def test_a_strict_validator_accepts_clean_frames_and_rejects_every_fault(
    project_dir: Path, write: Write
) -> None:
    result = run(write, "strict")
    assert by_fault(result) == ["pass"] * 8, result.fixed.outcomes
    assert result.fixed.outcomes[0].observed == "accepted 25 of 25 clean frames"
    assert result.fixed.outcomes[1].name == "rejects faults[0] nulls: nulls in income (30% of rows)"
    for outcome in result.fixed.outcomes[1:]:
        # every frame is tried with every fault, but a frame whose incomes are all 0 cannot
        # carry `income * 100`: it is counted apart, never as a rejection
        tally = re.fullmatch(
            r"rejected (\d+) of (\d+) frames(?: \((\d+) more .*\))?", outcome.observed
        )
        assert tally is not None, outcome.observed
        rejected, tried, skipped = (int(n or 0) for n in tally.groups())
        assert rejected == tried and tried + skipped == 25
        assert skipped == 0 or "scale" in outcome.name


def test_each_fault_is_its_own_outcome_with_its_own_counterexample(
    project_dir: Path, write: Write
) -> None:
    result = run(write, "lenient")
    assert by_fault(result) == ["pass", "fail", "fail", "fail", "fail", "fail", "fail", "fail"]
    found = result.fixed.metrics["counterexamples"]
    assert len(found) == 7
    scale = found["rejects faults[2] scale: income * 100 (every row)"]
    # the smallest income a x100 unit change can alter is 1 (0 stays 0)
    assert scale["frame"]["data"] == [{"income": 100.0, "age": 18, "region": "EU"}]
    assert scale["touched_rows"] == [0] and scale["fault"]["factor"] == 100
    nulls = found["rejects faults[0] nulls: nulls in income (30% of rows)"]
    assert nulls["frame"]["data"] == [{"income": "NaN", "age": 18, "region": "EU"}]
    dropped = found["rejects faults[3] drop_column: drop column region"]
    assert list(dropped["frame"]["columns"]) == ["income", "age"]
    duplicated = found["rejects faults[4] duplicate_rows: duplicate rows (20% of rows)"]["frame"]
    assert duplicated["rows"] == 2 and duplicated["data"][0] == duplicated["data"][1]
    typed = found["rejects faults[5] dtype: age as str"]["frame"]
    assert typed["columns"]["age"] == "object" and typed["data"][0]["age"] == "18"


def test_one_shrunk_frame_serves_every_fault_it_lets_through(
    project_dir: Path, write: Write
) -> None:
    result = run(write, "lenient")
    searches = result.fixed.metrics["searches"]
    found = [name for search in searches for name in search["found"]]
    # lenient() lets every fault through; each is found once, most on the first shrunk frame
    assert sorted(found) == sorted(result.fixed.metrics["counterexamples"]) and len(found) == 7
    assert len(searches) < 7 and len(searches[0]["found"]) > 1
    assert searches[-1]["found"] == [] and searches[-1]["generated"] == 25  # accepts_clean
    for name, record in result.fixed.metrics["counterexamples"].items():
        assert record["message"] == "accepted: returned True", name
        assert record["frame"]["rows"] <= 2, name  # one row (two for duplicate_rows)


def test_faults_outside_rejects_are_reported_but_cannot_fail(
    project_dir: Path, write: Write
) -> None:
    result = run(write, "lenient", "expect: {accepts_clean: false, rejects: [3]}")
    names = [o.name for o in result.fixed.outcomes]
    assert "accepts_clean" not in names and len(names) == 7
    # lenient() accepts everything: only the required fault (drop_column) can fail
    assert by_fault(result) == ["pass", "pass", "pass", "fail", "pass", "pass", "pass"]
    assert result.fixed.outcomes[0].target == "not required (not in expect.rejects)"
    assert result.fixed.outcomes[0].observed == "rejected 0 of 25 frames"
    assert list(result.fixed.metrics["counterexamples"]) == [names[3]]


def test_raising_is_a_rejection(project_dir: Path, write: Write) -> None:
    result = run(write, "strict", "expect: {accepts_clean: false, rejects: [6]}")
    new_category = result.fixed.outcomes[6]
    assert new_category.outcome == "pass" and new_category.observed == "rejected 25 of 25 frames"


def test_raising_on_a_clean_frame_fails_accepts_clean_with_the_traceback(
    project_dir: Path, write: Write
) -> None:
    result = run(write, "picky", "expect: {accepts_clean: true, rejects: []}")
    accepts = result.fixed.outcomes[0]
    assert accepts.outcome == "fail" and accepts.observed == "rejected a clean frame"
    found = result.fixed.metrics["counterexamples"]["accepts_clean"]
    assert found["frame"]["rows"] == 4  # the smallest frame with more than 3 rows
    assert "RuntimeError: too many rows for a test" in found["traceback"]


def test_numpy_false_is_a_rejection(project_dir: Path, write: Write) -> None:
    result = run(write, "numpy_answer", "expect: {rejects: [0]}")
    assert by_fault(result)[:2] == ["pass", "pass"]


def test_edge_cases_are_clean_frames_first(project_dir: Path, write: Write) -> None:
    extra = "edge_cases:\n  - [{income: 25000, age: 30, region: EU}]\nexpect: {rejects: []}"
    result = run(write, "strict", extra)
    accepts = result.fixed.metrics["counterexamples"]["accepts_clean"]
    assert accepts["source"] == "edge_cases[0]"
    assert accepts["frame"]["data"] == [{"income": 25000.0, "age": 30, "region": "EU"}]
    # the edge case settled accepts_clean: no search broke it again
    assert all("accepts_clean" not in s["found"] for s in result.fixed.metrics["searches"])


def test_red_and_green_on_function(project_dir: Path, write: Write) -> None:
    write("code/v.py", VALIDATORS)
    text = SCENARIO.format(function="strict", extra='before: {function: "code/v.py:lenient"}')
    project = load_project()
    result = run_loaded(load_scenario(project, write("scenarios/INC-1/s.yaml", text)), project)
    assert (result.verdict, result.before_verdict, result.discriminating) == ("pass", "fail", True)


NOTHING_TO_SCALE = """\
action: A1
kind: synthetic
function: "code/v.py:adults"
mode: validator
columns:
  credit: {dtype: float, min: 0, max: 0}
  age: {dtype: int, min: 18, max: 100}
rows: {min: 0, max: 6}
examples: 20
faults:
  - {inject: scale, column: credit, factor: 100}
  - {inject: out_of_range, column: age, value: -1}
"""


def test_a_fault_no_frame_can_carry_is_inconclusive_not_a_pass(
    project_dir: Path, write: Write
) -> None:
    write("code/v.py", "def adults(df):\n    return bool((df['age'] >= 18).all())\n")
    path = write("scenarios/INC-1/s.yaml", NOTHING_TO_SCALE)
    project = load_project()
    result = run_loaded(load_scenario(project, path), project, artifacts=False)
    accepts, scale, out_of_range = result.fixed.outcomes
    # credit is always 0 and 0 x 100 is 0: no frame can carry the unit change
    assert scale.outcome == "inconclusive" and "rejected" not in scale.observed
    assert scale.observed == "not judged: none of the 20 frames had a row the fault changes"
    assert result.fixed.verdict == "inconclusive"
    # empty frames (rows.min is 0) cannot carry a row fault either: counted apart
    tally = re.fullmatch(r"rejected (\d+) of \1 frames \((\d+) more .*\)", out_of_range.observed)
    assert out_of_range.outcome == "pass" and tally is not None, out_of_range.observed
    assert int(tally.group(1)) + int(tally.group(2)) == 20
    assert accepts.observed == "accepted 20 of 20 clean frames"

"""Reproducibility: separate processes give the same outcomes and the same counterexamples.

The processes differ in everything that must not matter: the hash seed, the `CI` variable
(hypothesis switches to its `ci` profile by itself when it is set) and the working state.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import Write

CODE = """\
def fill(df):
    return df.assign(income=df["income"].fillna(0.0))

def cents(df):
    if (df["name"].str.len() > 6).any():
        raise ValueError("name too long")
    return df.assign(income=df["income"] * 100)

def lenient(df):
    return "income" in df.columns
"""

TRANSFORM = """\
action: A1
kind: synthetic
function: "code/r.py:fill"
columns:
  income: {dtype: float, min: 0, max: 1000000, nulls: true}
  name: {dtype: str, max_length: 8}
  region: {dtype: category, values: [EU, US, APAC]}
  signup: {dtype: datetime, min: 2020-01-01T00:00:00Z, max: 2025-12-31T00:00:00Z}
rows: {min: 1, max: 60}
examples: 60
properties:
  - no_nulls: [income]
  - in_range: {income: [0, 1000000]}
before: {function: "code/r.py:cents"}
"""

VALIDATOR = """\
action: A1
kind: synthetic
function: "code/r.py:lenient"
mode: validator
columns:
  income: {dtype: float, min: 0, max: 1000}
  age: {dtype: int, min: 18, max: 100, unique: true}
rows: {min: 2, max: 40}
examples: 40
faults:
  - {inject: nulls, column: income, rate: 0.25}
  - {inject: out_of_range, column: age, value: 150, rate: 0.5}
  - {inject: duplicate_rows, rate: 0.1}
"""

PROBE = """\
import json, sys
from closeout.runner import run_scenario_file
out = {}
for path in sys.argv[1:]:
    run = run_scenario_file(path, artifacts=False)
    for side in (run.fixed, run.before):
        if side is None:
            continue
        out.setdefault(path, []).append({
            "verdict": side.verdict,
            "outcomes": [o.model_dump() for o in side.outcomes],
            "counterexamples": side.metrics.get("counterexamples"),
            "searches": [
                {k: v for k, v in s.items() if k != "seconds"}
                for s in (side.metrics["searches"].values()
                          if isinstance(side.metrics["searches"], dict)
                          else side.metrics["searches"])
            ],
        })
print(json.dumps(out, sort_keys=True))
"""


def probe(root: Path, **env: str) -> dict[str, object]:
    environment = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTHONHASHSEED")}
    environment.update(env)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "scenarios/INC-1/t.yaml", "scenarios/INC-1/v.yaml"],
        capture_output=True,
        text=True,
        cwd=root,
        env=environment,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


@pytest.mark.slow
def test_two_processes_produce_identical_outcomes_and_counterexamples(
    project_dir: Path, write: Write
) -> None:
    write("code/r.py", CODE)
    write("scenarios/INC-1/t.yaml", TRANSFORM)
    write("scenarios/INC-1/v.yaml", VALIDATOR)
    first = probe(project_dir, PYTHONHASHSEED="0")
    second = probe(project_dir, PYTHONHASHSEED="4242", CI="true")
    assert first == second
    transform, validator = first["scenarios/INC-1/t.yaml"], first["scenarios/INC-1/v.yaml"]
    assert [side["verdict"] for side in transform] == ["pass", "fail"]  # type: ignore[index]
    before = transform[1]  # type: ignore[index]
    broken = {"no_exception", "no_nulls: income", "in_range: income in [0, 1000000]"}
    assert set(before["counterexamples"]) == broken
    assert validator[0]["verdict"] == "fail"  # type: ignore[index]
    assert len(validator[0]["counterexamples"]) == 3  # type: ignore[index]

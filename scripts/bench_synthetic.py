"""Speed of the ``synthetic`` kind, printed in one run (``nox -s bench``).

200 examples of up to 200 rows x 5 columns (float with nulls, int, str, category,
datetime) against an identity function, with six properties, run end to end through the
runner in a throw-away project. Target: under 10 s. The run's own clock splits the time into
hypothesis (drawing and shrinking examples), closeout (building frames, judging properties)
and the subject. A second scenario breaks a property, to time the search for a
counterexample and its shrinking.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from closeout.loader import load_scenario
from closeout.project import load_project
from closeout.runner import run_loaded

TARGET_S = 10.0
POSTMORTEM = """\
id: INC-BENCH
title: Benchmark incident
severity: SEV4
summary: A throw-away incident for the benchmark.
impact: {description: none}
started_at: 2026-01-01T00:00:00Z
detected_at: 2026-01-01T01:00:00Z
root_causes: [{id: RC1, category: technical, description: none}]
actions:
  - {id: A1, title: bench, type: prevent, owner: bench, due: 2027-01-01, addresses: [RC1],
     success_criteria: fast}
"""
SUBJECT = """\
SIZES = []

def identity(df):
    SIZES.append(len(df))
    return df
"""
SCENARIO = """\
action: A1
kind: synthetic
function: "bench_subject:identity"
seed: 1
columns:
  income: {dtype: float, min: 0, max: 1000000, nulls: true}
  age: {dtype: int, min: 18, max: 100}
  name: {dtype: str, max_length: 12}
  region: {dtype: category, values: [EU, US, APAC]}
  signup: {dtype: datetime, min: 2020-01-01T00:00:00Z, max: 2025-12-31T00:00:00Z}
rows: {min: 1, max: 200}
examples: 200
properties:
  - no_exception
  - no_nulls: [age, region]
  - in_range: {AGE_RANGE}
  - row_count: preserved
  - columns_preserved
  - dtype: {income: float64, region: category, signup: "datetime64[ns, UTC]"}
before_unavailable: benchmark
"""


def project(root: Path) -> None:
    (root / "pyproject.toml").write_text('[tool.closeout]\npython_paths = ["."]\n')
    incident = root / "scenarios" / "INC-BENCH"
    incident.mkdir(parents=True)
    (incident / "postmortem.yaml").write_text(POSTMORTEM)
    (root / "bench_subject.py").write_text(SUBJECT)
    holds = SCENARIO.replace("{AGE_RANGE}", "{age: [18, 100]}")
    breaks = SCENARIO.replace("{AGE_RANGE}", "{age: [18, 90]}")
    (incident / "holds.yaml").write_text(holds)
    (incident / "breaks.yaml").write_text(breaks)


def run(root: Path, name: str) -> tuple[float, Any]:
    project_ = load_project(root)
    started = time.perf_counter()
    loaded = load_scenario(project_, root / "scenarios" / "INC-BENCH" / f"{name}.yaml")
    result = run_loaded(loaded, project_, artifacts=False)
    return time.perf_counter() - started, result


def show_split(seconds: float, timing: dict[str, float]) -> None:
    rest = seconds - timing["total"]
    parts = [
        ("hypothesis (draw, shrink)", timing["hypothesis"]),
        ("closeout (frames, properties)", timing["closeout"]),
        ("subject (identity)", timing["subject"]),
        ("loading (yaml, import)", rest),
    ]
    for label, value in parts:
        print(f"    {label:31} {value:6.2f} s  {value / seconds:4.0%}")


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder).resolve()
        project(root)
        sys.path.insert(0, str(root))
        cold, _ = run(root, "holds")
        sys.modules["bench_subject"].SIZES.clear()
        warm, result = run(root, "holds")
        sizes = list(sys.modules["bench_subject"].SIZES)
        broke_s, broken = run(root, "breaks")
    if result.fixed.verdict != "pass":
        raise SystemExit(f"the identity run did not pass: {result.fixed.outcomes}")
    timing = result.fixed.metrics["timing_s"]
    print("synthetic: 200 examples, up to 200 rows x 5 columns, identity function, 6 properties")
    print(
        f"  frames judged: {len(sizes)} (rows: mean {statistics.mean(sizes):.0f}, "
        f"median {statistics.median(sizes):.0f}, max {max(sizes)}; "
        f"{sum(s > 100 for s in sizes)} frames above 100 rows)"
    )
    print(f"  first run, imports included  {cold:6.2f} s")
    verdict = "OK" if warm < TARGET_S else "OVER TARGET"
    print(f"  warm run                     {warm:6.2f} s  (target < {TARGET_S:.0f} s: {verdict})")
    show_split(warm, timing)
    found = broken.fixed.metrics["counterexamples"].get("in_range: age in [18, 90]")
    if found is None:
        raise SystemExit("the breaking scenario found no counterexample")
    search = broken.fixed.metrics["searches"][0]
    print(
        f"  a broken property (age in [18, 90]): found after {search['generated']} examples, "
        f"shrunk in {search['shrink_calls']} + {search['polish_calls']} calls to "
        f"{found['frame']['rows']} row (age {found['frame']['data'][0]['age']}); "
        f"whole run {broke_s:.2f} s"
    )
    show_split(broke_s, broken.fixed.metrics["timing_s"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

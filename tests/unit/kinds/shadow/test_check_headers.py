"""shadow lint: the label, features, prediction columns, join keys and slice columns are
checked against the data files' headers (a CSV header line, a Parquet schema), reading no
rows; and the bootstrap tells ``RunContext.progress`` how many resamples it has drawn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from tests.conftest import Write
from tests.unit.kinds.shadow.cases import SCENARIO as TRAFFIC
from tests.unit.kinds.shadow.cases import traffic

from closeout.errors import ScenarioError
from closeout.kind import RunContext
from closeout.kinds.shadow import run as shadow_run
from closeout.loader import load_scenario
from closeout.project import load_project
from closeout.runner import run_loaded

SCENARIO = """\
action: A1
kind: shadow
data: DATA
label: churned
task: binary
features: [x1, x2]
baseline: {file: fixtures/INC-1/prod.csv, column: score, on: case_id}
candidate: {column: v2_score}
bootstrap: {resamples: 200}
expect:
  - metric: recall
    where: {region: EU}
    better_than_baseline: {by: 0.1}
before:
  candidate: {column: prod_score}
"""


def problems(write: Write, text: str) -> list[str]:
    path = write("scenarios/INC-1/s.yaml", text)
    try:
        load_scenario(load_project(), path)
    except ScenarioError as exc:
        return [str(p) for p in exc.problems]
    return []


@pytest.fixture
def files(project_dir: Path, write: Write) -> None:
    # Header lines only: lint never reads rows (these would not parse as numbers).
    header = "case_id,region,x1,x2,churned,v2_score,prod_score\n"
    write("fixtures/INC-1/traffic.csv", header + "c1,EU,a,b,c,d,e\n")
    write("fixtures/INC-1/prod.csv", "case_id,score\nc1,not-a-number\n")
    frame = pd.DataFrame({c: [0.5] for c in header.strip().split(",")})
    frame.to_parquet(project_dir / "fixtures" / "INC-1" / "traffic.parquet")


@pytest.mark.usefixtures("files")
@pytest.mark.parametrize("data", ["fixtures/INC-1/traffic.csv", "fixtures/INC-1/traffic.parquet"])
def test_columns_present_in_the_headers_pass(write: Write, data: str) -> None:
    assert problems(write, SCENARIO.replace("DATA", data)) == []


@pytest.mark.usefixtures("files")
@pytest.mark.parametrize("data", ["fixtures/INC-1/traffic.csv", "fixtures/INC-1/traffic.parquet"])
def test_every_wrong_column_is_reported_at_its_line_in_one_pass(write: Write, data: str) -> None:
    text = SCENARIO.replace("DATA", data)
    for right, wrong in [
        ("label: churned", "label: churn"),
        ("[x1, x2]", "[x1, x_2]"),
        ("column: v2_score", "column: v2score"),
        ("on: case_id", "on: caseid"),
        ("column: score", "column: scores"),
        ("where: {region: EU}", "where: {regoin: EU}"),
        ("{column: prod_score}", "{column: prod_scor}"),
    ]:
        text = text.replace(right, wrong)
    columns = "case_id, region, x1, x2, churned, v2_score, prod_score"
    found = problems(write, text)
    assert sorted(found) == sorted(
        [
            f"scenarios/INC-1/s.yaml:4: label: no column 'churn' in {data} (did you mean "
            f"'churned'?); columns are: {columns}",
            f"scenarios/INC-1/s.yaml:6: features[1]: no column 'x_2' in {data} (did you mean 'x2'?); "
            f"columns are: {columns}",
            f"scenarios/INC-1/s.yaml:7: baseline.on: no column 'caseid' in {data} (did you mean "
            f"'case_id'?); columns are: {columns}",
            f"scenarios/INC-1/s.yaml:8: candidate.column: no column 'v2score' in {data} (did you "
            f"mean 'v2_score'?); columns are: {columns}",
            f"scenarios/INC-1/s.yaml:15: before.candidate.column: no column 'prod_scor' in {data} (did "
            f"you mean 'prod_score'?); columns are: {columns}",
            f"scenarios/INC-1/s.yaml:12: expect[0].where.regoin: no column 'regoin' in {data} (did "
            f"you mean 'region'?); columns are: {columns}",
            "scenarios/INC-1/s.yaml:7: baseline.column: no column 'scores' in "
            "fixtures/INC-1/prod.csv (did you mean 'score'?); columns are: case_id, score",
            "scenarios/INC-1/s.yaml:7: baseline.on: no column 'caseid' in fixtures/INC-1/prod.csv "
            "(did you mean 'case_id'?); columns are: case_id, score",
        ]
    )


def test_the_bootstrap_reports_resamples_drawn_over_every_compared_slice(
    project_dir: Path, write: Write
) -> None:
    folder = project_dir / "fixtures" / "INC-1"
    folder.mkdir(parents=True)
    traffic().to_csv(folder / "traffic.csv", index=False)
    project = load_project()
    path = write("scenarios/INC-1/shadow.yaml", TRAFFIC.replace("CANDIDATE", "{column: v2_score}"))
    loaded = load_scenario(project, path)
    calls: list[tuple[int, Any, str]] = []
    context = RunContext(
        project,
        loaded.postmortem,
        "INC-1",
        loaded.name,
        loaded.display,
        seed=11,
        side="fixed",
        artifacts_dir=None,
        artifact_prefix="x",
        progress=lambda *reported: calls.append(reported),
    )
    shadow_run.run(loaded.model, loaded.model.candidate, context)
    # Two slices are compared (all rows, and region EU), 400 resamples each.
    assert calls[-1] == (800, 800, "resamples")
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)
    assert {c[1:] for c in calls} == {(800, "resamples")}


@pytest.mark.parametrize(
    ("renamed", "message"),
    [
        (("churned", "churn"), "no column 'churned' (did you mean 'churn'?)"),
        (("prod_score", "prod"), "no column 'prod_score'"),
    ],
)
def test_a_column_gone_after_lint_is_an_error_verdict_at_run_time(
    project_dir: Path, write: Write, renamed: tuple[str, str], message: str
) -> None:
    folder = project_dir / "fixtures" / "INC-1"
    folder.mkdir(parents=True)
    traffic().to_csv(folder / "traffic.csv", index=False)
    project = load_project()
    path = write("scenarios/INC-1/shadow.yaml", TRAFFIC.replace("CANDIDATE", "{column: v2_score}"))
    loaded = load_scenario(project, path)
    traffic().rename(columns=dict([renamed])).to_csv(folder / "traffic.csv", index=False)
    result = run_loaded(loaded, project, with_before=False, artifacts=False)
    assert result.verdict == "error"
    assert message in (result.fixed.error or ""), result.fixed.error

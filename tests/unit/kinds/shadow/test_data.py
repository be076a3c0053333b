"""Loading labels and predictions: every source form, and data problems as errors naming them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from tests.conftest import Write
from tests.unit.kinds.shadow.cases import MODEL, run, scenario

from closeout.errors import ScenarioError
from closeout.loader import load_scenario
from closeout.project import load_project
from closeout.runner import run_loaded


def test_every_prediction_source_gives_the_same_answer(
    data: pd.DataFrame, write: Write, project_dir: Path, package: str
) -> None:
    folder = project_dir / "fixtures" / "INC-1"
    data[["v2_score"]].rename(columns={"v2_score": "score"}).to_csv(folder / "v2.csv", index=False)
    shuffled = data[["case_id", "v2_score"]].sample(frac=1.0, random_state=3)
    shuffled.to_parquet(folder / "v2_shuffled.parquet", index=False)
    sources = [
        "{column: v2_score}",
        "{file: fixtures/INC-1/v2.csv, column: score}",
        "{file: fixtures/INC-1/v2_shuffled.parquet, column: v2_score, on: case_id}",
        f'{{callable: "{package}.churn:predict_v2"}}',
        f'{{callable: "src/{package}/churn.py:predict_v2"}}',
    ]
    answers = []
    for source in sources:
        result = run(write, scenario(source), with_before=False, artifacts=False)
        assert result.verdict == "pass", (source, result.fixed.error)
        answers.append(result.fixed.metrics)
    first = answers[0]
    for other in answers[1:]:
        assert other["slices"].keys() == first["slices"].keys()
        for key, part in first["slices"].items():
            for metric, row in part["metrics"].items():
                assert other["slices"][key]["metrics"][metric]["candidate"] == pytest.approx(
                    row["candidate"], rel=1e-9
                )
        intervals = [v for c in other["comparisons"] for v in c["interval"]]
        expected = [v for c in first["comparisons"] for v in c["interval"]]
        assert intervals == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("where: {region: EU}\n    better", "where: {region: Eu}\n    better"),
            "slice region=Eu matches no rows",
        ),
        (
            ("where: {region: EU}\n    at_least", "where: {region: [APAC]}\n    at_least"),
            "region has EU, US",
        ),
        (("task: binary", "task: multiclass"), "'positive_rate'"),
    ],
)
def test_data_problems_are_errors_naming_the_problem(
    data: pd.DataFrame, write: Write, change: tuple[str, str], message: str
) -> None:
    text = scenario("{column: v2_score}").replace(*change)
    if message == "'positive_rate'":
        # binary-only metrics are refused at load time, before anything runs
        text = text.replace("roc_auc", "positive_rate")
        with pytest.raises(ScenarioError, match="applies to task: binary only"):
            run(write, text)
        return
    result = run(write, text, with_before=False, artifacts=False)
    assert result.verdict == "error"
    assert message in (result.fixed.error or ""), result.fixed.error


@pytest.mark.parametrize(
    ("function", "message"),
    [
        ("too_short", "prediction length mismatch: returned 399 predictions for 400 rows"),
        ("as_percent", "is outside [0, 1]"),
        ("with_nan", "row 3: prediction is NaN"),
    ],
)
def test_bad_callable_output_is_an_error(
    data: pd.DataFrame, write: Write, package: str, function: str, message: str
) -> None:
    result = run(write, scenario(f'{{callable: "{package}.churn:{function}"}}'), artifacts=False)
    assert result.verdict == "error"
    assert message in (result.fixed.error or ""), result.fixed.error


def test_exception_inside_the_callable_is_a_fail_with_traceback(
    data: pd.DataFrame, write: Write, package: str
) -> None:
    result = run(write, scenario(f'{{callable: "{package}.churn:explode"}}'), artifacts=False)
    assert result.verdict == "fail"
    assert "RuntimeError: weights file missing" in (result.fixed.error or "")
    assert "churn.py" in (result.fixed.traceback or "")


def test_callable_gone_at_run_time_is_an_error_with_close_names(
    data: pd.DataFrame, write: Write, package: str, project_dir: Path
) -> None:
    project = load_project()
    path = write(
        "scenarios/INC-1/shadow.yaml", scenario(f'{{callable: "{package}.churn:predict_v2"}}')
    )
    loaded = load_scenario(project, path)  # lint passes: the function is there
    module = project_dir / "src" / package / "churn.py"
    module.write_text(MODEL.replace("def predict_v2(", "def predict_v3("))
    result = run_loaded(loaded, project, artifacts=False)
    assert result.verdict == "error"
    assert "module has no attribute 'predict_v2' (did you mean 'predict_v3'?)" in (
        result.fixed.error or ""
    )


def test_file_predictions_of_another_length_or_missing_keys(
    data: pd.DataFrame, write: Write, project_dir: Path
) -> None:
    data[["case_id", "v2_score"]].iloc[:-2].to_csv("fixtures/INC-1/v2.csv", index=False)
    result = run(write, scenario("{file: fixtures/INC-1/v2.csv, column: v2_score}"))
    assert "prediction length mismatch: 398 rows, but fixtures/INC-1/traffic.csv has 400" in (
        result.fixed.error or ""
    )
    keyed = scenario("{file: fixtures/INC-1/v2.csv, column: v2_score, on: case_id}")
    result = run(write, keyed, artifacts=False)
    assert "no prediction for 2 rows" in (result.fixed.error or "")
    assert "case_id = 'c0398'" in (result.fixed.error or "")

"""The shadow kind end to end: prediction sources, red/green, intervals, evidence, chart, errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from tests.conftest import Write

from closeout import evidence
from closeout.errors import ScenarioError
from closeout.kinds.shadow import bootstrap
from closeout.loader import load_scenario
from closeout.project import load_project
from closeout.runner import ScenarioRun, run_loaded

MODEL = """\
import numpy as np


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def predict_v2(frame):
    return _sigmoid(1.4 * frame["x1"] - 0.9 * frame["x2"]).to_numpy()


def predict_prod(frame):
    shift = 1.6 * (frame["region"] == "EU")
    return _sigmoid(1.4 * frame["x1"] - 0.9 * frame["x2"] - shift).to_numpy()


def explode(frame):
    raise RuntimeError("weights file missing")


def too_short(frame):
    return predict_v2(frame)[:-1]


def as_percent(frame):
    return 100 * predict_v2(frame)


def with_nan(frame):
    out = predict_v2(frame)
    out[3] = np.nan
    return out
"""

SCENARIO = """\
action: A1
kind: shadow
data: fixtures/INC-1/traffic.csv
label: churned
task: binary
baseline: {column: prod_score}
candidate: CANDIDATE
bootstrap: {resamples: 400}
seed: 11
expect:
  - metric: roc_auc
    non_inferior: {margin: 0.02}
  - metric: recall
    where: {region: EU}
    better_than_baseline: {by: 0.1}
  - metric: recall
    where: {region: EU}
    at_least: 0.6
  - metric: agreement
    at_least: 0.5
before:
  candidate: {column: prod_score}
"""


def sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(1 / (1 + np.exp(-z)))


def traffic(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "case_id": [f"c{i:04d}" for i in range(n)],
            "region": rng.choice(["EU", "US"], n, p=[0.4, 0.6]),
            "x1": rng.normal(size=n).round(4),
            "x2": rng.normal(size=n).round(4),
        }
    )
    truth = 1.4 * frame["x1"] - 0.9 * frame["x2"] + rng.normal(0, 0.8, n)
    frame["churned"] = (truth > 0).astype(int)
    frame["v2_score"] = sigmoid(1.4 * frame["x1"] - 0.9 * frame["x2"])
    shift = 1.6 * (frame["region"] == "EU")
    frame["prod_score"] = sigmoid(1.4 * frame["x1"] - 0.9 * frame["x2"] - shift)
    return frame


@pytest.fixture
def package(project_dir: Path) -> str:
    """A model package with a name unique to this test (modules are cached by name)."""
    name = "models_" + re.sub(r"\W", "_", project_dir.name)
    folder = project_dir / "src" / name
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    (folder / "churn.py").write_text(MODEL)
    return name


@pytest.fixture
def data(project_dir: Path) -> pd.DataFrame:
    frame = traffic()
    folder = project_dir / "fixtures" / "INC-1"
    folder.mkdir(parents=True)
    frame.to_csv(folder / "traffic.csv", index=False)
    return frame


def run(write: Write, text: str, **options: Any) -> ScenarioRun:
    project = load_project()
    path = write("scenarios/INC-1/shadow.yaml", text)
    return run_loaded(load_scenario(project, path), project, **options)


def scenario(candidate: str) -> str:
    return SCENARIO.replace("CANDIDATE", candidate)


# --------------------------------------------------------------------------- red and green


def test_fixed_model_passes_and_production_as_candidate_fails_the_slice(
    data: pd.DataFrame, write: Write
) -> None:
    result = run(write, scenario("{column: v2_score}"))
    assert result.verdict == "pass", result.fixed.outcomes
    before = {o.name: o.outcome for o in result.before.outcomes}  # type: ignore[union-attr]
    assert result.before_verdict == "fail" and result.discriminating
    assert before["recall [region=EU] better_than_baseline (by 0.1)"] == "fail"
    # the same model compared with itself is exactly non-inferior: the interval is [0, 0]
    assert before["roc_auc non_inferior (margin 0.02)"] == "pass"


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


def test_code_files_name_every_callable_used_fixed_and_before(
    data: pd.DataFrame, write: Write, package: str, project_dir: Path
) -> None:
    text = scenario(f'{{callable: "{package}.churn:predict_v2"}}').replace(
        "  candidate: {column: prod_score}",
        '  candidate: {callable: "tools/old_model.py:predict"}',
    )
    write("tools/old_model.py", "def predict(frame):\n    return frame['x1'] * 0\n")
    project = load_project()
    loaded = load_scenario(project, write("scenarios/INC-1/shadow.yaml", text))
    files = {project.display(p) for p in loaded.kind.code_files(loaded.model, project)}
    assert files == {f"src/{package}/churn.py", "tools/old_model.py"}
    assert loaded.kind.data_files(loaded.model) == ["fixtures/INC-1/traffic.csv"]


# --------------------------------------------------------------------------- intervals, evidence


def test_interval_is_scipys_paired_percentile_interval_on_the_same_resamples(
    data: pd.DataFrame, write: Write
) -> None:
    # mae: lower is better, so the improvement is baseline - candidate
    frame = data.assign(
        spend=(50 + 30 * data["x1"]).round(2),
        spend_v2=(50 + 30 * data["x1"] + 4 * data["x2"]).round(2),
        spend_prod=(50 + 30 * data["x1"] + 6 * data["x2"]).round(2),
    )
    frame.to_csv("fixtures/INC-1/traffic.csv", index=False)
    text = textwrap.dedent(
        """\
        action: A1
        kind: shadow
        data: fixtures/INC-1/traffic.csv
        label: spend
        task: regression
        baseline: {column: spend_prod}
        candidate: {column: spend_v2}
        bootstrap: {resamples: 500, confidence: 0.9}
        seed: 5
        expect:
          - {metric: mae, better_than_baseline: {by: 0.5}}
        """
    )
    result = run(write, text, artifacts=False)
    comparison = result.fixed.metrics["comparisons"][0]
    y = frame["spend"].to_numpy()

    def improvement(y: Any, base: Any, cand: Any, axis: int = -1) -> Any:
        return np.abs(base - y).mean(axis=axis) - np.abs(cand - y).mean(axis=axis)

    reference = stats.bootstrap(
        (y, frame["spend_prod"].to_numpy(), frame["spend_v2"].to_numpy()),
        improvement,
        paired=True,
        vectorized=True,
        n_resamples=500,
        confidence_level=0.9,
        batch=bootstrap.chunk_size(len(y)),
        method="percentile",
        rng=bootstrap.generator(5, "all"),
    )
    assert comparison["interval"] == pytest.approx(list(reference.confidence_interval), abs=1e-12)
    assert comparison["improvement"] > 0 and comparison["lower_is_better"]
    assert result.verdict == "pass"


def test_evidence_records_estimates_intervals_rows_per_slice_and_resamples(
    data: pd.DataFrame, write: Write, project_dir: Path
) -> None:
    result = run(write, scenario("{column: v2_score}"), artifacts=False)
    project = load_project()
    path = evidence.write_record(project, evidence.run_record(result, project, "manual"), "x")
    metrics = evidence.read_record(path)["metrics"]
    eu = data["region"] == "EU"
    assert metrics["slices"]["all"]["rows"] == len(data)
    assert metrics["slices"]["region=EU"]["rows"] == int(eu.sum())
    assert metrics["bootstrap"] == {
        "method": "paired percentile",
        "resamples": 400,
        "confidence": 0.95,
    }
    auc = metrics["slices"]["all"]["metrics"]["roc_auc"]
    assert set(auc) == {"candidate", "baseline"}
    recall = next(c for c in metrics["comparisons"] if c["metric"] == "recall")
    assert recall["slice"] == "region=EU" and recall["rows"] == int(eu.sum())
    assert recall["resamples"] == 400 and recall["interval"][0] <= recall["interval"][1]
    assert recall["better_than_baseline_by"] == 0.1
    mcnemar = metrics["slices"]["region=EU"]["mcnemar"]
    assert mcnemar["p_value"] == pytest.approx(
        stats.binomtest(
            mcnemar["baseline_only_correct"],
            mcnemar["baseline_only_correct"] + mcnemar["candidate_only_correct"],
        ).pvalue
    )


def test_the_same_seed_gives_bit_identical_intervals_in_another_process(
    data: pd.DataFrame, write: Write, project_dir: Path
) -> None:
    result = run(write, scenario("{column: v2_score}"), with_before=False, artifacts=False)
    here = [[float(v).hex() for v in c["interval"]] for c in result.fixed.metrics["comparisons"]]
    program = (
        "import json\n"
        "from closeout.loader import load_scenario\n"
        "from closeout.project import load_project\n"
        "from closeout.runner import run_loaded\n"
        "p = load_project()\n"
        "r = run_loaded(load_scenario(p, p.root / 'scenarios/INC-1/shadow.yaml'), p,"
        " with_before=False, artifacts=False)\n"
        "print(json.dumps([[float(v).hex() for v in c['interval']]"
        " for c in r.fixed.metrics['comparisons']]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        cwd=project_dir,
        check=True,
    )
    assert json.loads(done.stdout) == here


def test_chart_is_written_only_with_an_artifacts_folder(data: pd.DataFrame, write: Write) -> None:
    result = run(write, scenario("{column: v2_score}"))
    assert [Path(a).suffix for a in result.fixed.artifacts] == [".svg"]
    svg = Path(result.fixed.artifacts[0]).read_text()
    assert svg.startswith("<svg") and "recall [region=EU]" in svg and "roc_auc" in svg
    quiet = run(write, scenario("{column: v2_score}"), artifacts=False)
    assert quiet.fixed.artifacts == [] and quiet.before.artifacts == []  # type: ignore[union-attr]


# --------------------------------------------------------------------------- other tasks


def test_multiclass_from_a_callable_returning_probabilities(
    project_dir: Path, write: Write
) -> None:
    rng = np.random.default_rng(4)
    n = 300
    frame = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    frame["kind"] = np.select([frame["a"] > 0.5, frame["b"] > 0.0], ["x", "y"], "z")
    frame["old"] = np.where(frame["a"] > 0.9, "x", "z")
    frame.to_csv(project_dir / "traffic.csv", index=False)
    write(
        "tools/mc.py",
        """\
        import numpy as np

        def probabilities(frame):
            x = (frame["a"] > 0.5).to_numpy()
            y = ~x & (frame["b"] > 0.0).to_numpy()
            matrix = np.full((len(frame), 3), 0.05)
            matrix[x, 0] = matrix[y, 1] = 0.9
            matrix[~x & ~y, 2] = 0.9
            return matrix
        """,
    )
    text = """\
        action: A1
        kind: shadow
        data: traffic.csv
        label: kind
        task: multiclass
        average: weighted
        features: [a, b]
        baseline: {column: old}
        candidate: {callable: "tools/mc.py:probabilities"}
        bootstrap: {resamples: 200}
        expect:
          - {metric: f1, better_than_baseline: {by: 0.1}}
          - {metric: accuracy, at_least: 0.99}
        """
    result = run(write, textwrap.dedent(text), artifacts=False)
    assert result.verdict == "pass", result.fixed.error
    table = result.fixed.metrics["slices"]["all"]["metrics"]
    assert table["log_loss"]["baseline"] is None  # labels only: no probabilities
    assert table["log_loss"]["candidate"] is not None


# --------------------------------------------------------------------------- run-time errors


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("label: churned", "label: churn"), "no column 'churn' (did you mean 'churned'?)"),
        (("{column: prod_score}\ncandidate", "{column: prod}\ncandidate"), "no column 'prod'"),
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


def test_missing_module_names_it_and_suggests_close_names(
    data: pd.DataFrame, write: Write, package: str
) -> None:
    text = scenario(f'{{callable: "{package}.chrun:predict_v2"}}')
    with pytest.raises(ScenarioError) as caught:
        run(write, text)
    message = str(caught.value)
    assert "shadow.yaml:7: candidate.callable" in message
    assert f"module '{package}.chrun' not found" in message and "did you mean 'churn'" in message
    with pytest.raises(
        ScenarioError, match=r"'predict_v3' is not defined in .*did you mean 'predict_v2'"
    ):
        run(write, scenario(f'{{callable: "{package}.churn:predict_v3"}}'))


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


def test_nan_in_a_prediction_column_names_the_line(data: pd.DataFrame, write: Write) -> None:
    data.loc[5, "prod_score"] = np.nan
    data.to_csv("fixtures/INC-1/traffic.csv", index=False)
    result = run(write, scenario("{column: v2_score}"), artifacts=False)
    assert "fixtures/INC-1/traffic.csv:7: column 'prod_score': prediction is NaN" in (
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


def test_unseen_classes_and_binary_labels_that_need_a_positive_class(
    project_dir: Path, write: Write
) -> None:
    frame = pd.DataFrame(
        {"y": ["cat", "dog", "cat", "owl"] * 10, "old": ["cat"] * 40, "new": ["cow"] * 40}
    )
    frame.to_csv(project_dir / "t.csv", index=False)
    text = """\
        action: A1
        kind: shadow
        data: t.csv
        label: y
        task: multiclass
        baseline: {column: old}
        candidate: {column: new}
        expect: [{metric: accuracy, at_least: 0.5}]
        """
    result = run(write, textwrap.dedent(text), artifacts=False)
    assert "classes never seen in the label: cow (label classes: cat, dog, owl)" in (
        result.fixed.error or ""
    )
    frame["y"] = frame["y"].replace({"owl": "dog"})
    frame.to_csv(project_dir / "t.csv", index=False)
    binary = textwrap.dedent(text).replace("multiclass", "binary")
    result = run(write, binary, artifacts=False)
    assert "has classes cat, dog: set `positive:`" in (result.fixed.error or "")


def test_undefined_metric_on_a_slice_is_an_error_naming_it(
    data: pd.DataFrame, write: Write
) -> None:
    data["site"] = np.where(data["churned"] == 1, "north", "south")
    data.to_csv("fixtures/INC-1/traffic.csv", index=False)
    text = scenario("{column: v2_score}").replace(
        "  - metric: roc_auc\n", "  - metric: roc_auc\n    where: {site: north}\n"
    )
    result = run(write, text, artifacts=False)
    assert "roc_auc is undefined on slice site=north" in (result.fixed.error or "")


# --------------------------------------------------------------------------- lint


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("data: fixtures/INC-1/traffic.csv", "data: fixtures/INC-1/trafic.csv"),
            "file 'fixtures/INC-1/trafic.csv' not found",
        ),
        (
            ("data: fixtures/INC-1/traffic.csv", "data: ../outside.csv"),
            "resolves outside the project root",
        ),
        (("metric: roc_auc", "metric: roc_acu"), "'roc_acu' is not one of"),
        (("metric: roc_auc", "metric: mae"), "'mae' does not apply to task: binary"),
        (
            (
                "metric: agreement\n    at_least: 0.5",
                "metric: agreement\n    non_inferior: {margin: 0.1}",
            ),
            "use at_least or at_most",
        ),
        (
            ("task: binary", "task: regression\ndecision_threshold: 0.3"),
            "applies to task: binary only",
        ),
        (("bootstrap: {resamples: 400}", "bootstrap: {resamples: 10}"), "must be at least 100"),
        (("bootstrap: {resamples: 400}", "bootstrap: {resample: 400}"), "did you mean 'resamples'"),
        (
            ("  - metric: agreement\n    at_least: 0.5\n", "  - metric: agreement\n"),
            "give at least one of",
        ),
        (
            ("  candidate: {column: prod_score}", "  candidate: {colum: prod_score}"),
            "predictions are {column: name}",
        ),
        (
            ("  candidate: {column: prod_score}", "  baseline: {column: prod_score}"),
            "before may hold only the subject 'candidate'",
        ),
        (
            ("  candidate: {column: prod_score}", '  candidate: {callable: "tools/none.py:f"}'),
            "file 'tools/none.py' not found",
        ),
        (
            ("  candidate: {column: prod_score}", '  candidate: {callable: "not a ref"}'),
            "is not a callable reference",
        ),
        (("baseline: {column: prod_score}", "baseline: {column: churned}"), "is the label column"),
    ],
)
def test_lint_catches_mistakes_statically(
    data: pd.DataFrame, write: Write, change: tuple[str, str], message: str
) -> None:
    text = scenario("{column: v2_score}").replace(*change)
    assert text != scenario("{column: v2_score}")
    project = load_project()
    with pytest.raises(ScenarioError, match=re.escape(message)):
        load_scenario(project, write("scenarios/INC-1/shadow.yaml", text))

"""Shadow subjects from a real MLflow registry (SQLite store in a temp folder, no mock).

The registry's models reproduce the score columns of ``cases.traffic`` exactly, so the oracle
for every number is the same scenario run on the columns.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from tests.conftest import Write
from tests.unit.kinds.shadow import registry
from tests.unit.kinds.shadow.cases import run, traffic

from closeout import _mlflow
from closeout.errors import ScenarioError
from closeout.kinds.shadow import mlflow_model
from closeout.kinds.shadow.kind import KIND
from closeout.kinds.shadow.model_uri import folder_sha256
from closeout.loader import load_scenario
from closeout.project import load_project
from closeout.runner import ScenarioRun, run_loaded

SCENARIO = """\
action: A1
kind: shadow
data: fixtures/INC-1/traffic.csv
label: churned
task: binary
baseline: BASELINE
candidate: CANDIDATE
bootstrap: {resamples: 400}
seed: 11
expect:
  - metric: roc_auc
    non_inferior: {margin: 0.02}
  - metric: recall
    where: {region: EU}
    better_than_baseline: {by: 0.1}
  - metric: agreement
    at_least: 0.5
before:
  candidate: BEFORE
"""


def scenario(candidate: str, baseline: str = "{mlflow: 'models:/churn/1'}", **more: str) -> str:
    text = SCENARIO.replace("CANDIDATE", candidate).replace("BASELINE", baseline)
    text = text.replace("BEFORE", more.pop("before", "{mlflow: 'models:/churn/1'}"))
    for key, value in more.items():
        text = text.replace("task: binary\n", f"task: binary\n{key}: {value}\n")
    return text


# Every test here needs the registry, whose creation (MLflow's migrations) takes seconds.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> registry.Registry:
    return registry.shared(tmp_path_factory)


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    mlflow_model.clear_cache()
    yield
    mlflow_model.clear_cache()


@pytest.fixture
def project(project_dir: Path, built: registry.Registry, monkeypatch: pytest.MonkeyPatch) -> Path:
    registry.use(monkeypatch, built)
    folder = project_dir / "fixtures" / "INC-1"
    folder.mkdir(parents=True)
    registry.with_eu(traffic()).to_csv(folder / "traffic.csv", index=False)
    return project_dir


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every real ``mlflow.pyfunc.load_model`` call (a spy: the real function still runs)."""
    import mlflow.pyfunc

    calls: list[str] = []
    real: Callable[..., Any] = mlflow.pyfunc.load_model

    def counting(model_uri: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(model_uri)
        return real(model_uri, *args, **kwargs)

    monkeypatch.setattr(mlflow.pyfunc, "load_model", counting)
    return calls


def _comparisons(result: ScenarioRun) -> list[Any]:
    """Every comparison's metric, slice, both estimates and interval, flattened."""
    flat: list[Any] = []
    for c in result.fixed.metrics["comparisons"]:
        flat += [c["metric"], c["slice"], c["candidate"], c["baseline"], *c["interval"]]
    return flat


def _leaves(tree: Any, path: str = "") -> dict[str, Any]:
    """Every number of a nested mapping, by its path (pytest.approx takes flat mappings)."""
    if isinstance(tree, dict):
        found: dict[str, Any] = {}
        for key, value in tree.items():
            found |= _leaves(value, f"{path}/{key}")
        return found
    return {path: tree}


# --------------------------------------------------------------------------- the happy path


def test_registered_versions_give_exactly_the_numbers_of_the_score_columns(
    project: Path, write: Write, built: registry.Registry
) -> None:
    models = run(write, scenario("{mlflow: 'models:/churn@challenger'}"))
    columns = run(
        write,
        scenario(
            "{column: v2_score}", baseline="{column: prod_score}", before="{column: prod_score}"
        ),
    )
    assert models.verdict == columns.verdict == "pass", models.fixed.error
    assert models.before_verdict == columns.before_verdict == "fail"
    numbers = [x for x in _comparisons(models) if isinstance(x, float)]
    assert numbers == pytest.approx([x for x in _comparisons(columns) if isinstance(x, float)])
    assert [x for x in _comparisons(models) if isinstance(x, str)] == [
        x for x in _comparisons(columns) if isinstance(x, str)
    ]
    assert _leaves(models.fixed.metrics["slices"]) == pytest.approx(
        _leaves(columns.fixed.metrics["slices"])
    )


def test_evidence_names_uri_resolved_version_run_and_folder_digest(
    project: Path, write: Write, built: registry.Registry, tmp_path: Path
) -> None:
    import mlflow

    result = run(write, scenario("{mlflow: 'models:/churn@challenger'}"))
    candidate = result.fixed.metrics["candidate"]["mlflow"]
    baseline = result.fixed.metrics["baseline"]["mlflow"]
    before = result.before.metrics["candidate"]["mlflow"]  # type: ignore[union-attr]
    # the oracle: the version's files downloaded here, by MLflow directly
    target = tmp_path / "download"
    downloaded = mlflow.artifacts.download_artifacts("models:/churn/2", dst_path=str(target))
    assert candidate == {
        "uri": "models:/churn@challenger",
        "name": "churn",
        "alias": "challenger",
        "version": "2",
        "run_id": built.runs["2"],
        "sha256": folder_sha256(Path(downloaded)),
        "mlflow": mlflow.__version__,
    }
    assert (baseline["version"], baseline["run_id"]) == ("1", built.runs["1"])
    assert before == baseline and baseline["sha256"] != candidate["sha256"]
    assert result.fixed.metrics["candidate"]["source"] == "mlflow models:/churn@challenger"


def test_a_run_uri_and_a_local_folder_load_the_same_model(
    project: Path, write: Write, built: registry.Registry
) -> None:
    shutil.copytree(built.local_model, project / "models" / "churn_v2")
    by_run = run(write, scenario(f"{{mlflow: 'runs:/{built.runs['2']}/model'}}"))
    local = run(write, scenario("{mlflow: models/churn_v2}"))
    assert by_run.verdict == local.verdict == "pass", (by_run.fixed.error, local.fixed.error)
    assert _comparisons(by_run) == _comparisons(local)
    info = local.fixed.metrics["candidate"]["mlflow"]
    assert info["version"] is None and info["run_id"] is None
    assert info["sha256"] == folder_sha256(project / "models" / "churn_v2")
    assert by_run.fixed.metrics["candidate"]["mlflow"]["run_id"] == built.runs["2"]


def test_one_version_is_loaded_once_in_a_run(
    project: Path, write: Write, built: registry.Registry, loads: list[str]
) -> None:
    # Two scenarios of one run: version 1 is the baseline of both and the pre-fix candidate
    # of both (once by its alias), version 2 the candidate of both (once by its alias).
    first = write("scenarios/INC-1/first.yaml", scenario("{mlflow: 'models:/churn/2'}"))
    second = write(
        "scenarios/INC-1/second.yaml",
        scenario(
            "{mlflow: 'models:/churn@challenger'}", before="{mlflow: 'models:/churn@champion'}"
        ),
    )
    project_ = load_project()
    results = [run_loaded(load_scenario(project_, path), project_) for path in (first, second)]
    assert [r.verdict for r in results] == ["pass", "pass"]
    assert len(loads) == 2  # one load per version, counted at mlflow.pyfunc.load_model


def test_models_warmed_before_a_fork_are_neither_loaded_nor_resolved_in_the_child(
    project: Path, write: Write, built: registry.Registry, loads: list[str]
) -> None:
    # What the runner's isolated runs need: load in the parent (KIND.prepare), fork, run.
    path = write("scenarios/INC-1/shadow.yaml", scenario("{mlflow: 'models:/churn@challenger'}"))
    project_ = load_project()
    loaded = load_scenario(project_, path)
    KIND.prepare(loaded.model, project_)  # type: ignore[arg-type]
    assert len(loads) == 2
    read, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # the child: any use of the registry would now raise
        import mlflow

        mlflow.MlflowClient = None
        try:
            result = run_loaded(loaded, project_)
            os.write(write_end, f"{result.verdict} {len(loads)}".encode())
        finally:
            os._exit(0)
    os.close(write_end)
    os.waitpid(child, 0)
    assert os.read(read, 100).decode() == "pass 2"


def test_a_re_registered_version_is_a_new_model(
    project: Path, write: Write, built: registry.Registry, loads: list[str]
) -> None:
    # The registered model deleted and registered again: version 1 is a new run's model.
    registry.register_anew(built, "churn_again", traffic())
    text = scenario("{mlflow: 'models:/churn_again/1'}")
    first = run(write, text)
    run_id = registry.register_anew(built, "churn_again", traffic())
    second = run(write, text)
    one, two = (r.fixed.metrics["candidate"]["mlflow"] for r in (first, second))
    assert one["version"] == two["version"] == "1" and two["run_id"] == run_id
    assert one["run_id"] != two["run_id"] and one["sha256"] != two["sha256"]
    assert loads.count("models:/churn_again/1") == 0  # loaded from the downloaded folder
    assert len(loads) == 3  # churn/1 once, then each registration of churn_again/1


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("candidate", "message"),
    [
        ("models:/churn/3", "registered model 'churn' has no version 3 (versions: 1, 2)"),
        ("models:/chrun/2", "no registered model 'chrun' in the registry"),
        ("models:/churn@gold", "has no alias 'gold' (aliases: challenger, champion)"),
        ("runs:/0123456789abcdef0123456789abcdef/model", "no run 0123456789abcdef0123456789abcdef"),
    ],
)
def test_a_model_that_does_not_exist_is_an_error_at_its_line(
    project: Path, write: Write, candidate: str, message: str
) -> None:
    result = run(write, scenario(f"{{mlflow: '{candidate}'}}"))
    assert result.verdict == "error"
    assert result.fixed.error is not None
    assert result.fixed.error.startswith(
        f"scenarios/INC-1/shadow.yaml:7: candidate.mlflow: {candidate}"
    )
    assert message in result.fixed.error and "Traceback" not in result.fixed.error


def test_a_run_without_that_model_path_is_an_error(
    project: Path, write: Write, built: registry.Registry
) -> None:
    result = run(write, scenario(f"{{mlflow: 'runs:/{built.runs['2']}/no_model'}}"))
    assert result.verdict == "error"
    assert f"run {built.runs['2']} has no model at 'no_model'" in (result.fixed.error or "")


def test_a_missing_registry_file_is_refused_not_created(
    project: Path, write: Write, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    database = tmp_path / "nowhere" / "mlflow.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{database}")
    result = run(write, scenario("{mlflow: 'models:/churn/2'}"))
    assert result.verdict == "error"
    assert f"the file '{database}' does not exist" in (result.fixed.error or "")
    assert "fix MLFLOW_TRACKING_URI" in (result.fixed.error or "")
    assert not database.exists()


def test_no_tracking_uri_is_an_error_and_no_store_appears(
    project: Path, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    result = run(write, scenario("{mlflow: 'models:/churn/2'}"))
    assert result.verdict == "error"
    assert "MLFLOW_TRACKING_URI is not set" in (result.fixed.error or "")
    assert not (project / "mlflow.db").exists() and not (project / "mlruns").exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_registry_that_cannot_be_reached_is_an_error(
    project: Path, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://user:secret@127.0.0.1:{_free_port()}")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")  # this test need not wait
    result = run(write, scenario("{mlflow: 'models:/churn/2'}"))
    assert result.verdict == "error"
    error = result.fixed.error or ""
    assert "cannot be reached" in error and "Connection refused" in error
    assert "secret" not in error.split("(")[0]  # the store is named without its password


def test_closeouts_mlflow_defaults_apply_only_while_it_talks_to_mlflow(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", raising=False)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "5")
    with _mlflow.session():
        assert os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == "2"
        assert os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] == "5"  # the user's own setting wins
    assert "MLFLOW_HTTP_REQUEST_MAX_RETRIES" not in os.environ


def test_features_that_miss_a_signature_input_are_an_error_naming_the_fix(
    project: Path, write: Write
) -> None:
    text = scenario("{mlflow: 'models:/churn/2'}", features="[x1, x2]")
    result = run(write, text)
    assert result.verdict == "error"
    error = result.fixed.error or ""
    assert error.startswith("scenarios/INC-1/shadow.yaml:8: candidate.mlflow: models:/churn/2")
    assert "the features do not match the model's signature" in error
    assert "Model is missing inputs ['eu']" in error and "(its signature: x1, x2, eu)" in error
    assert "fix `features:`" in error


def test_a_column_of_the_wrong_type_is_a_signature_error(project: Path, write: Write) -> None:
    frame = registry.with_eu(traffic()).assign(eu=lambda f: f["region"])
    frame.to_csv(project / "fixtures" / "INC-1" / "traffic.csv", index=False)
    result = run(write, scenario("{mlflow: 'models:/churn/2'}"))
    assert result.verdict == "error"
    # MLflow's wording depends on the pandas version; both name the column and the conversion.
    assert "column eu" in (result.fixed.error or "") and "convert" in (result.fixed.error or "")


def test_data_without_a_signature_input_names_the_column(project: Path, write: Write) -> None:
    traffic().to_csv(project / "fixtures" / "INC-1" / "traffic.csv", index=False)
    result = run(write, scenario("{mlflow: 'models:/churn/2'}"))
    assert result.verdict == "error"
    assert "its signature needs eu, which fixtures/INC-1/traffic.csv has no column for" in (
        result.fixed.error or ""
    )


def test_a_model_folder_without_mlmodel_is_refused_before_and_while_running(
    project: Path, write: Write, built: registry.Registry
) -> None:
    folder = project / "models" / "broken"
    folder.mkdir(parents=True)
    with pytest.raises(ScenarioError, match=r"shadow.yaml:7: candidate.mlflow: .*no MLmodel"):
        run(write, scenario("{mlflow: models/broken}"))
    # a folder emptied after the scenario was loaded: the run says so at the same line
    shutil.copytree(built.local_model, folder, dirs_exist_ok=True)
    project_ = load_project()
    loaded = load_scenario(project_, project / "scenarios" / "INC-1" / "shadow.yaml")
    (folder / "MLmodel").unlink()
    result = run_loaded(loaded, project_)
    assert result.verdict == "error"
    assert "is not an MLflow model folder (no MLmodel file" in (result.fixed.error or "")


def test_a_model_that_cannot_be_loaded_is_an_error(
    project: Path, write: Write, built: registry.Registry
) -> None:
    shutil.copytree(built.local_model, project / "models" / "torn")
    (project / "models" / "torn" / "model.pkl").write_bytes(b"not a pickle")
    result = run(write, scenario("{mlflow: models/torn}"))
    assert result.verdict == "error"
    assert "cannot load the model (UnpicklingError" in (result.fixed.error or "")


def test_a_model_that_raises_while_predicting_fails_the_run(
    project: Path, write: Write, built: registry.Registry
) -> None:
    # Without a signature MLflow checks nothing: text reaches scikit-learn, which raises.
    folder = project / "models" / "unsigned"
    shutil.copytree(built.local_model, folder)
    mlmodel = folder / "MLmodel"
    text = mlmodel.read_text()
    mlmodel.write_text(text[: text.index("signature:")])
    frame = pd.read_csv(project / "fixtures" / "INC-1" / "traffic.csv")
    frame.assign(eu=frame["region"]).to_csv(
        project / "fixtures" / "INC-1" / "traffic.csv", index=False
    )
    result = run(
        write,
        scenario(
            "{mlflow: models/unsigned}", baseline="{column: prod_score}", features="[x1, x2, eu]"
        ),
    )
    assert result.verdict == "fail"
    assert "candidate models/unsigned raised ValueError" in (result.fixed.error or "")
    assert result.fixed.traceback is not None

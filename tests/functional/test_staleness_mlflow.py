"""A closed action whose registered model version is registered anew becomes ``stale``.

A real SQLite MLflow registry (``tests.unit.kinds.shadow.registry``); the run records what
``models:/NAME/VERSION`` resolved to in ``inputs.resolved``, and ``closeout status`` asks the
registry again (without importing MLflow). The oracle for "what the registry holds" is
MLflow's own client.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import Write
from tests.unit.kinds.shadow import registry
from tests.unit.kinds.shadow.cases import traffic

from closeout.cli import main
from closeout.kinds.shadow import mlflow_model
from closeout.kinds.shadow.model_uri import parse_model_uri
from closeout.kinds.shadow.registered import version_now

pytestmark = pytest.mark.slow  # building the registry runs MLflow's migrations

SCENARIO = """\
action: A1
kind: shadow
data: fixtures/INC-1/traffic.csv
label: churned
task: binary
baseline: {column: prod_score}
candidate: {mlflow: "MODEL"}
bootstrap: {resamples: 300}
seed: 11
expect:
  - metric: roc_auc
    non_inferior: {margin: 0.02}
  - metric: recall
    where: {region: EU}
    better_than_baseline: {by: 0.1}
before:
  candidate: {column: prod_score}
"""


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
    monkeypatch.setenv("CLOSEOUT_ROOT", str(project_dir))
    folder = project_dir / "fixtures" / "INC-1"
    folder.mkdir(parents=True)
    registry.with_eu(traffic()).to_csv(folder / "traffic.csv", index=False)
    return project_dir


def closeout(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out + err


def run(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = closeout(capsys, "run")
    assert code == 0, out


def status(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code, out = closeout(capsys, "status", "--json")
    assert code == 0, out
    (found,) = json.loads(out)
    return dict(found)


def client(built: registry.Registry) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import mlflow

        return mlflow.MlflowClient(tracking_uri=built.uri, registry_uri=built.uri)


def register_version(built: registry.Registry, name: str) -> str:
    """Register the next version of ``name`` (logged by a new run); the run's id."""
    with registry._pointed_at(built.uri):
        import mlflow

        experiment = client(built).get_experiment_by_name("tests").experiment_id
        frame = registry.with_eu(traffic())
        return registry._log(mlflow, experiment, name, frame, registry.WEIGHTS["2"])


def test_a_version_registered_anew_makes_the_closed_action_stale_and_says_which(
    project: Path, built: registry.Registry, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    first_run = registry.register_anew(built, "churn-stale", traffic())
    write("scenarios/INC-1/s.yaml", SCENARIO.replace("MODEL", "models:/churn-stale/1"))
    run(capsys)
    (record,) = [
        json.loads(p.read_text())
        for p in (project / "reports" / "INC-1" / "evidence").glob("*.json")
    ]
    resolved = record["inputs"]["resolved"]["models:/churn-stale/1"]
    version = client(built).get_model_version("churn-stale", "1")
    assert (resolved["version"], resolved["run_id"]) == ("1", first_run)
    assert (resolved["run_id"], resolved["source"]) == (version.run_id, version.source)
    assert resolved["sha256"] == record["metrics"]["candidate"]["mlflow"]["sha256"]
    assert closeout(capsys, "close", "INC-1", "A1", "--by", "sam")[0] == 0
    assert status(capsys)["state"] == "closed"

    second_run = registry.register_anew(built, "churn-stale", traffic())
    assert second_run != first_run
    found = status(capsys)
    assert found["state"] == "stale"
    (reason,) = found["reasons"]
    assert "the model models:/churn-stale/1 changed" in reason
    assert f"run {second_run[:12]}" in reason and f"run {first_run[:12]}" in reason
    code, out = closeout(capsys, "status")
    assert code == 0 and "models:/churn-stale/1 changed" in out

    # Running again records the version the registry holds now: closed again.
    mlflow_model.clear_cache()
    run(capsys)
    assert status(capsys)["state"] == "closed"


def test_an_alias_moved_to_another_version_makes_a_verified_action_stale(
    project: Path, built: registry.Registry, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    registry.register_anew(built, "churn-alias", traffic())
    register_version(built, "churn-alias")
    mlflow = client(built)
    mlflow.set_registered_model_alias("churn-alias", "prod", "1")
    write("scenarios/INC-1/s.yaml", SCENARIO.replace("MODEL", "models:/churn-alias@prod"))
    run(capsys)
    assert status(capsys)["state"] == "verified"
    mlflow.set_registered_model_alias("churn-alias", "prod", "2")
    found = status(capsys)
    assert found["state"] == "stale"
    assert (
        "models:/churn-alias@prod changed: it now resolves to version 2, run "
        in found["reasons"][0]
    )
    assert "(the run loaded version 1, run " in found["reasons"][0]


def test_the_registry_read_without_mlflow_agrees_with_mlflow(
    built: registry.Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry.use(monkeypatch, built)
    mlflow = client(built)
    database = Path(built.uri.removeprefix("sqlite:///"))
    for text in ("models:/churn/1", "models:/churn/2", "models:/churn@champion"):
        uri = parse_model_uri(text)
        expected = (
            mlflow.get_model_version_by_alias("churn", uri.alias)
            if uri.alias
            else mlflow.get_model_version("churn", uri.version)
        )
        now = version_now(database, uri)
        assert now is not None
        assert (now.version, now.run_id, now.source) == (
            str(expected.version),
            expected.run_id,
            expected.source,
        )
    assert version_now(database, parse_model_uri("models:/churn/9")) is None
    assert version_now(database, parse_model_uri("models:/churn@nobody")) is None


def test_status_of_mlflow_evidence_imports_no_mlflow_nor_pandas(
    project: Path, write: Write, capsys: pytest.CaptureFixture[str], built: registry.Registry
) -> None:
    registry.register_anew(built, "churn-light", traffic())
    write("scenarios/INC-1/s.yaml", SCENARIO.replace("MODEL", "models:/churn-light/1"))
    run(capsys)
    registry.register_anew(built, "churn-light", traffic())
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "closeout", "status"],
        capture_output=True,
        text=True,
        cwd=project,
        check=False,
    )
    assert "churn-light/1 changed" in done.stdout, done.stdout + done.stderr[-800:]
    loaded = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert not loaded & {"mlflow", "sqlalchemy", "pandas", "numpy", "scipy", "sklearn"}

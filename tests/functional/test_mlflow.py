"""`closeout run` with MLflow models and `mlflow_log` (SPEC §13), through the real CLI.

A real SQLite tracking store and registry in a temp folder (``MLFLOW_TRACKING_URI`` set per
test), read back with MLflow's own client as the oracle; no mock.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import Write
from tests.unit.kinds.shadow import registry
from tests.unit.kinds.shadow.cases import traffic

from closeout.cli import main
from closeout.kinds.shadow import mlflow_model

# Every test here needs the registry, whose creation (MLflow's migrations) takes seconds.
pytestmark = pytest.mark.slow

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
before:
  candidate: {column: prod_score}
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> registry.Registry:
    return registry.shared(tmp_path_factory)


@pytest.fixture
def project(
    project_dir: Path, built: registry.Registry, monkeypatch: pytest.MonkeyPatch, write: Write
) -> Path:
    registry.use(monkeypatch, built)
    monkeypatch.setenv("CLOSEOUT_ROOT", str(project_dir))
    folder = project_dir / "fixtures" / "INC-1"
    folder.mkdir(parents=True)
    registry.with_eu(traffic()).to_csv(folder / "traffic.csv", index=False)
    shutil.copytree(built.local_model, project_dir / "models" / "churn_v2")
    return project_dir


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    mlflow_model.clear_cache()
    yield
    mlflow_model.clear_cache()


@dataclass(frozen=True)
class Done:
    returncode: int
    stdout: str
    stderr: str


def closeout(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *args: str,
    env: dict[str, str] | None = None,
) -> Done:
    """Run the CLI in-process (pytest underneath, as `closeout run` does) with ``env`` set."""
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return Done(code, out, err)


def _records(project: Path) -> list[dict[str, Any]]:
    folder = project / "reports" / "INC-1" / "evidence"
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


def _mlflow_runs(uri: str) -> list[Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import mlflow

        client = mlflow.MlflowClient(tracking_uri=uri)
        experiment = client.get_experiment_by_name("closeout")
        if experiment is None:
            return []
        return list(client.search_runs([experiment.experiment_id]))


def _artifact_bytes(uri: str, run_id: str, path: str, into: Path) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import mlflow

        local = mlflow.artifacts.download_artifacts(
            run_id=run_id, artifact_path=path, dst_path=str(into), tracking_uri=uri
        )
        return Path(local).read_bytes()


def _run(uri: str, run_id: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import mlflow

        return mlflow.MlflowClient(tracking_uri=uri).get_run(run_id)


# --------------------------------------------------------------------------- mlflow_log


def test_mlflow_log_logs_the_sealed_record_and_its_artifacts_with_tags(
    project: Path,
    write: Write,
    built: registry.Registry,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write("scenarios/INC-1/s.yaml", SCENARIO.replace("CANDIDATE", "{mlflow: models/churn_v2}"))
    done = closeout(capsys, monkeypatch, "run", "--json", "--mlflow-log")
    assert done.returncode == 0, done.stderr[-2000:]
    (row,) = json.loads(done.stdout)["results"]
    (record,) = _records(project)
    run = _run(built.uri, row["mlflow_log"]["run_id"])
    assert run.info.status == "FINISHED" and run.info.run_name == "INC-1/A1/s"
    tags = {k: v for k, v in run.data.tags.items() if k.startswith("closeout.")}
    assert tags == {
        "closeout.incident": "INC-1",
        "closeout.action": "A1",
        "closeout.scenario": "s",
        "closeout.verdict": record["verdict"],
        "closeout.kind": "shadow",
        "closeout.trigger": record["trigger"],
        "closeout.before_verdict": "fail",
        "closeout.discriminating": "true",
        "closeout.record_sha256": record["sha256"],
    }
    assert run.data.metrics == {"duration_s": record["duration_s"]}
    experiment = run.info.experiment_id
    assert _mlflow_runs(built.uri)[0].info.experiment_id == experiment  # the `closeout` one
    evidence = project / row["evidence"]
    logged = _artifact_bytes(
        built.uri, run.info.run_id, f"closeout/evidence/{evidence.name}", tmp_path
    )
    assert logged == evidence.read_bytes()
    charts = [Path(a).name for a in record["artifacts"]]
    assert charts and all(
        _artifact_bytes(built.uri, run.info.run_id, f"closeout/artifacts/{name}", tmp_path / name)
        == (project / "reports" / "INC-1" / "artifacts" / name).read_bytes()
        for name in charts
    )
    # and the flag was for this run only
    assert "CLOSEOUT_MLFLOW_LOG" not in os.environ


def test_the_project_setting_turns_logging_on_and_nothing_else_does(
    project: Path,
    write: Write,
    built: registry.Registry,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write("scenarios/INC-1/s.yaml", SCENARIO.replace("CANDIDATE", "{column: v2_score}"))
    before = len(_mlflow_runs(built.uri))
    done = closeout(capsys, monkeypatch, "run", "--json")
    (row,) = json.loads(done.stdout)["results"]
    assert done.returncode == 0 and "mlflow_log" not in row
    assert len(_mlflow_runs(built.uri)) == before
    (project / "pyproject.toml").write_text("[tool.closeout]\nmlflow_log = true\n")
    done = closeout(capsys, monkeypatch, "run", "--json")
    (row,) = json.loads(done.stdout)["results"]
    assert done.returncode == 0, done.stderr[-2000:]
    assert _run(built.uri, row["mlflow_log"]["run_id"]).data.tags["closeout.verdict"] == "pass"
    assert len(_mlflow_runs(built.uri)) == before + 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("store", ["unreachable", "unset"])
def test_a_failure_to_log_is_reported_and_changes_nothing(
    project: Path,
    write: Write,
    store: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write("scenarios/INC-1/s.yaml", SCENARIO.replace("CANDIDATE", "{mlflow: models/churn_v2}"))
    env = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"}
    if store == "unreachable":
        env["MLFLOW_TRACKING_URI"] = f"http://127.0.0.1:{_free_port()}"
    else:
        env["MLFLOW_TRACKING_URI"] = ""
    done = closeout(capsys, monkeypatch, "run", "--json", "--mlflow-log", env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    (row,) = json.loads(done.stdout)["results"]
    (record,) = _records(project)
    assert row["verdict"] == record["verdict"] == "pass" and row["discriminating"]
    error = row["mlflow_log"]["error"]
    expected = {
        "unreachable": "failed: MlflowException: [Errno 111] Connection refused",
        "unset": "MLFLOW_TRACKING_URI is not set",
    }[store]
    assert expected in error
    assert f"closeout: warning: scenarios/INC-1/s.yaml::s: mlflow_log: {error}" in done.stderr
    assert "Traceback" not in done.stderr


def test_mlflow_log_must_be_true_or_false(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "pyproject.toml").write_text('[tool.closeout]\nmlflow_log = "yes"\n')
    done = closeout(capsys, monkeypatch, "status")
    assert done.returncode == 2
    assert "pyproject.toml:2: [tool.closeout] mlflow_log: must be true or false" in done.stderr


# --------------------------------------------------------------------------- models via the CLI


def test_mlflow_not_installed_is_an_error_verdict_naming_the_fix(
    project: Path,
    write: Write,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write("scenarios/INC-1/s.yaml", SCENARIO.replace("CANDIDATE", "{mlflow: 'models:/churn/2'}"))
    # `import mlflow` then fails, as it does where the extra is not installed.
    monkeypatch.setitem(sys.modules, "mlflow", None)
    done = closeout(capsys, monkeypatch, "run", "--json")
    assert done.returncode == 2, done.stderr[-2000:]
    (row,) = json.loads(done.stdout)["results"]
    (record,) = _records(project)
    assert row["verdict"] == "error"
    assert record["error"].startswith("scenarios/INC-1/s.yaml:7: candidate.mlflow: models:/churn/2")
    assert "MLflow is not installed" in record["error"]
    assert "pip install 'closeout[mlflow]'" in record["error"]
    assert "Traceback" not in done.stdout + done.stderr


def test_a_missing_model_fails_the_command_with_an_error_row(
    project: Path,
    write: Write,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write("scenarios/INC-1/s.yaml", SCENARIO.replace("CANDIDATE", "{mlflow: 'models:/churn/9'}"))
    done = closeout(capsys, monkeypatch, "run")
    assert done.returncode == 2
    assert "error" in done.stdout and "Traceback" not in done.stdout + done.stderr
    (record,) = _records(project)
    assert "registered model 'churn' has no version 9 (versions: 1, 2)" in record["error"]


@pytest.mark.parametrize(
    "argv", [["--help"], ["lint", "scenarios"], ["status"], ["schema", "scenario"]]
)
def test_light_commands_never_import_mlflow(project: Path, write: Write, argv: list[str]) -> None:
    write("scenarios/INC-1/s.yaml", SCENARIO.replace("CANDIDATE", "{mlflow: 'models:/churn/2'}"))
    (project / "pyproject.toml").write_text("[tool.closeout]\nmlflow_log = true\n")
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "closeout", *argv],
        capture_output=True,
        text=True,
        cwd=project,
        check=False,
    )
    loaded = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "closeout" in loaded, done.stderr[-500:]
    assert not loaded & {"mlflow", "sqlalchemy", "alembic"}

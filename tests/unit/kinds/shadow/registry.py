"""A real MLflow registry for the tests: a SQLite store and its artifacts in a folder.

Not a test module: tests import ``build`` and ``use``. The registered model ``churn`` has
version 1 (production: scores ``prod_score`` of ``cases.traffic``) and version 2 (the fix:
scores ``v2_score``), aliases ``champion`` -> 1 and ``challenger`` -> 2. Both are scikit-learn
logistic regressions over ``x1, x2, eu`` whose weights are set, not fitted, so their
``predict_proba`` equals the score columns: a scenario naming the model must give exactly the
numbers the same scenario gives with the column.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

FEATURES = ["x1", "x2", "eu"]
WEIGHTS = {"1": [1.4, -0.9, -1.6], "2": [1.4, -0.9, 0.0]}
ENV = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
    "DO_NOT_TRACK": "true",
}


@dataclass(frozen=True)
class Registry:
    """Where the registry lives, and the run id behind each version."""

    folder: Path
    uri: str
    runs: dict[str, str]
    local_model: Path  # version 2 saved as a plain model folder (copy it into a project)


def with_eu(frame: pd.DataFrame) -> pd.DataFrame:
    """The traffic frame with the numeric feature the models take."""
    return frame.assign(eu=(frame["region"] == "EU").astype(float))


def model(frame: pd.DataFrame, weights: list[float]) -> object:
    from sklearn.linear_model import LogisticRegression

    fitted = LogisticRegression().fit(frame[FEATURES], frame["churned"])
    fitted.coef_ = np.array([weights])
    fitted.intercept_ = np.array([0.0])
    return fitted


def shared(factory: pytest.TempPathFactory) -> Registry:
    """The session's registry (one per xdist worker): creating a SQLite store runs MLflow's
    database migrations, seconds that every test module need not pay again."""
    folder = factory.getbasetemp() / "mlflow-registry"
    marker = folder / "registry.json"
    if marker.is_file():
        saved = json.loads(marker.read_text())
        return Registry(
            Path(saved["folder"]), saved["uri"], saved["runs"], Path(saved["local_model"])
        )
    built = build(folder, cases_traffic())
    marker.write_text(json.dumps(asdict(built), default=str))
    return built


def cases_traffic() -> pd.DataFrame:
    from tests.unit.kinds.shadow.cases import traffic

    return traffic()


@contextmanager
def _pointed_at(uri: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in [*ENV, "MLFLOW_TRACKING_URI"]}
    os.environ.update(ENV | {"MLFLOW_TRACKING_URI": uri})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def build(folder: Path, frame: pd.DataFrame) -> Registry:
    """Register versions 1 and 2 of ``churn`` in a SQLite registry below ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    with _pointed_at(uri):
        return _register(folder, uri, with_eu(frame))


def register_anew(built: Registry, name: str, frame: pd.DataFrame) -> str:
    """Delete the registered model ``name`` (if any) and register version 1 of it again,
    logged by a new run; the new run's id."""
    with _pointed_at(built.uri):
        import mlflow

        client = mlflow.MlflowClient(tracking_uri=built.uri, registry_uri=built.uri)
        if client.search_registered_models(filter_string=f"name = '{name}'"):
            client.delete_registered_model(name)
        experiment = client.get_experiment_by_name("tests")
        return _log(mlflow, experiment.experiment_id, name, with_eu(frame), WEIGHTS["2"])


def _register(folder: Path, uri: str, frame: pd.DataFrame) -> Registry:
    import mlflow
    from mlflow.models import infer_signature

    client = mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)
    experiment = client.create_experiment("tests", artifact_location=(folder / "art").as_uri())
    # mlflow_log's experiment, made here so its artifacts stay in this folder (MLflow's own
    # default is ./mlruns in the working directory of the process that creates it)
    client.create_experiment("closeout", artifact_location=(folder / "logged").as_uri())
    runs = {v: _log(mlflow, experiment, "churn", frame, w) for v, w in WEIGHTS.items()}
    client.set_registered_model_alias("churn", "champion", "1")
    client.set_registered_model_alias("churn", "challenger", "2")
    local = folder / "local_v2"
    fitted = model(frame, WEIGHTS["2"])
    mlflow.sklearn.save_model(
        fitted,
        str(local),
        signature=infer_signature(frame[FEATURES], fitted.predict_proba(frame[FEATURES])),  # type: ignore[attr-defined]
        serialization_format="pickle",
        pyfunc_predict_fn="predict_proba",
        pip_requirements=["scikit-learn"],
    )
    return Registry(folder, uri, runs, local)


def _log(mlflow: Any, experiment: str, name: str, frame: pd.DataFrame, weights: list[float]) -> str:
    """Log a model by a new run, registered as the next version of ``name``; the run id."""
    from mlflow.models import infer_signature

    fitted = model(frame, weights)
    signature = infer_signature(frame[FEATURES], fitted.predict_proba(frame[FEATURES]))  # type: ignore[attr-defined]
    with mlflow.start_run(experiment_id=experiment) as run:
        mlflow.sklearn.log_model(
            fitted,
            name="model",
            registered_model_name=name,
            signature=signature,
            serialization_format="pickle",
            pyfunc_predict_fn="predict_proba",
            pip_requirements=["scikit-learn"],  # inferring them costs a subprocess
        )
    return str(run.info.run_id)


def use(monkeypatch: pytest.MonkeyPatch, registry: Registry) -> None:
    """Point MLflow at ``registry`` for one test (no telemetry, no progress bars)."""
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", registry.uri)
    monkeypatch.delenv("MLFLOW_REGISTRY_URI", raising=False)

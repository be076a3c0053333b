"""Run records logged to MLflow (SPEC §13): each scenario run, as an MLflow run.

With ``[tool.closeout] mlflow_log = true``, or ``closeout run --mlflow-log`` (which sets
``CLOSEOUT_MLFLOW_LOG=1`` for the pytest session it runs), every run record is logged, once
it is written, to the tracking store ``$MLFLOW_TRACKING_URI``: one MLflow run in the
experiment ``closeout``, named ``INCIDENT/ACTION/SCENARIO``, tagged ``closeout.incident``,
``closeout.action``, ``closeout.scenario``, ``closeout.verdict`` (and ``closeout.kind``,
``closeout.trigger``, ``closeout.before_verdict``, ``closeout.discriminating``,
``closeout.record_sha256``), with the sealed record file under ``closeout/evidence/``, the
run's artifacts under ``closeout/artifacts/`` and ``duration_s`` as a metric.

The experiment is created on first use with MLflow's defaults (a server's artifact root; for a
local SQLite store, ``./mlruns`` in the working directory): create it yourself to put its
artifacts elsewhere.

The MLflow run is a copy of the evidence, not the evidence: a failure to log (MLflow not
installed, no tracking URI, a store that cannot be reached) is a ``MlflowLogError`` that the
caller reports; the verdict and the record stay as they are.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from closeout import _mlflow
from closeout.errors import CloseoutError
from closeout.project import Project

ENV = "CLOSEOUT_MLFLOW_LOG"
EXPERIMENT = "closeout"
_TAGGED = ("incident", "action", "scenario", "verdict", "kind", "trigger")


class MlflowLogError(CloseoutError):
    """A run record could not be logged to MLflow (the record itself is written)."""


def enabled(project: Project) -> bool:
    """``mlflow_log = true`` in the project, or ``$CLOSEOUT_MLFLOW_LOG`` set to a true value."""
    flag = os.environ.get(ENV, "").strip().lower() in ("1", "true", "yes")
    return project.mlflow_log or flag


def tags(record: dict[str, Any]) -> dict[str, str]:
    """The MLflow tags of a run record (strings, as MLflow stores them)."""
    found = {f"closeout.{name}": str(record[name]) for name in _TAGGED if record.get(name)}
    for name in ("before_verdict", "discriminating"):
        if record.get(name) is not None:
            found[f"closeout.{name}"] = str(record[name]).lower()
    if record.get("sha256"):
        found["closeout.record_sha256"] = str(record["sha256"])
    return found


def log_run(project: Project, record_file: Path) -> str:
    """Log the sealed record in ``record_file`` and its artifacts; the MLflow run id."""
    try:
        record = json.loads(record_file.read_bytes())
    except (OSError, ValueError) as exc:
        raise MlflowLogError(f"cannot read {record_file.name}: {exc}") from None
    uri = _mlflow.tracking_uri()
    if uri is None:
        raise MlflowLogError(
            f"{_mlflow.TRACKING_ENV} is not set: point it at the tracking store to log to "
            "(e.g. sqlite:///path/to/mlflow.db or http://host:5000)"
        )
    try:
        with _mlflow.session() as mlflow:
            return _log(mlflow.MlflowClient(tracking_uri=uri), project, record_file, record)
    except _mlflow.MlflowUnavailable as exc:
        raise MlflowLogError(str(exc)) from None
    except MlflowLogError:
        raise
    except Exception as exc:  # the store refused or cannot be reached: report, never raise
        raise MlflowLogError(
            f"logging to {_mlflow.shown(uri)} failed: {type(exc).__name__}: {_mlflow.reason(exc)}"
        ) from None


def _log(client: Any, project: Project, record_file: Path, record: dict[str, Any]) -> str:
    name = f"{record.get('incident')}/{record.get('action')}/{record.get('scenario')}"
    run = client.create_run(_experiment(client), tags=tags(record), run_name=name)
    run_id = str(run.info.run_id)
    try:
        if isinstance(record.get("duration_s"), int | float):
            client.log_metric(run_id, "duration_s", float(record["duration_s"]))
        client.log_artifact(run_id, str(record_file), "closeout/evidence")
        for relative in record.get("artifacts") or []:
            path = project.root / str(relative)
            if path.is_file():  # an artifact removed since is not a reason to lose the record
                client.log_artifact(run_id, str(path), "closeout/artifacts")
    except Exception:
        client.set_terminated(run_id, "FAILED")
        raise
    client.set_terminated(run_id, "FINISHED")
    return run_id


def _experiment(client: Any) -> str:
    found = client.get_experiment_by_name(EXPERIMENT)
    if found is not None:
        return str(found.experiment_id)
    try:
        return str(client.create_experiment(EXPERIMENT))
    except Exception:
        # another worker (pytest-xdist) created it in the meantime
        found = client.get_experiment_by_name(EXPERIMENT)
        if found is None:
            raise
        return str(found.experiment_id)

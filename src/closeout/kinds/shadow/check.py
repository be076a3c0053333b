"""Static checks of a ``shadow`` scenario (lint): no data is read and no user code imported."""

from __future__ import annotations

from closeout.callables import check_ref
from closeout.errors import Problem
from closeout.kind import Locate
from closeout.kinds._toolkit.data import check_columns, check_data_file
from closeout.kinds.shadow.model_uri import MLMODEL
from closeout.kinds.shadow.spec import (
    CLASSIFICATION_METRICS,
    REGRESSION_METRICS,
    CallablePredictions,
    ColumnPredictions,
    FilePredictions,
    MlflowPredictions,
    ShadowExpectation,
    ShadowScenario,
)
from closeout.project import Project

# Metrics that compare candidate with baseline by construction: an absolute bound is all
# that makes sense for them.
_PAIRWISE = {"agreement"}
_BINARY_ONLY = {"positive_rate"}

Where = tuple[str | int, ...]


def check(scenario: ShadowScenario, project: Project, locate: Locate) -> list[Problem]:
    """Files inside the project and present, callables findable, metrics fit the task."""
    problems = check_data_file(scenario.data, ("data",), project, locate)
    for where, source in scenario.sources():
        problems += _check_source(source, where, project, locate)
    problems += _check_columns(scenario, locate)
    problems += _check_headers(scenario, project, locate)
    for index, expectation in enumerate(scenario.expect):
        problems += _check_expectation(scenario, expectation, index, locate)
    if scenario.task != "binary":
        for field in ("decision_threshold", "positive"):
            if getattr(scenario, field) is not None:
                problems.append(
                    Problem(
                        locate((field,)),
                        field,
                        f"applies to task: binary only, not {scenario.task}",
                    )
                )
    return problems


def _check_source(
    source: object, where: tuple[str, ...], project: Project, locate: Locate
) -> list[Problem]:
    field = ".".join(where)
    if isinstance(source, FilePredictions):
        return check_data_file(source.file, (*where, "file"), project, locate)
    if isinstance(source, CallablePredictions):
        message = check_ref(source.callable_, project)
        if message is not None:
            return [Problem(locate((*where, "callable")), f"{field}.callable", message)]
    if isinstance(source, MlflowPredictions):
        message = _model_folder_problem(source, project)
        if message is not None:
            return [Problem(locate((*where, "mlflow")), f"{field}.mlflow", message)]
    return []


def _model_folder_problem(source: MlflowPredictions, project: Project) -> str | None:
    """A local model folder must be a folder of the project holding an ``MLmodel`` file.
    Registry URIs are only parsed here: lint never asks a registry (nor imports MLflow)."""
    uri = source.uri
    if uri.scheme != "local" or uri.path is None:
        return None
    try:
        folder = project.resolve_inside(uri.path)
    except ValueError as exc:
        return str(exc)
    if not folder.is_dir():
        return f"model folder '{uri.path}' not found (or write models:/NAME/VERSION)"
    if not (folder / MLMODEL).is_file():
        return f"'{uri.path}' holds no {MLMODEL} file: it is not an MLflow model folder"
    return None


def _check_columns(scenario: ShadowScenario, locate: Locate) -> list[Problem]:
    problems: list[Problem] = []
    if scenario.features and scenario.label in scenario.features:
        index = scenario.features.index(scenario.label)
        problems.append(
            Problem(
                locate(("features", index)),
                f"features[{index}]",
                f"the label '{scenario.label}' cannot be a feature",
            )
        )
    for where, source in scenario.sources():
        if isinstance(source, ColumnPredictions) and source.column == scenario.label:
            problems.append(
                Problem(
                    locate((*where, "column")),
                    ".".join(where) + ".column",
                    f"'{source.column}' is the label column, not predictions",
                )
            )
    return problems


def _check_headers(scenario: ShadowScenario, project: Project, locate: Locate) -> list[Problem]:
    """Every column the scenario names is in its file's header (CSV header line, Parquet
    schema; no data read): the label, features, prediction columns, join keys, slices."""
    wanted: list[tuple[str, Where]] = [(scenario.label, ("label",))]
    wanted += [(column, ("features", i)) for i, column in enumerate(scenario.features or [])]
    for where, source in scenario.sources():
        if isinstance(source, ColumnPredictions):
            wanted.append((source.column, (*where, "column")))
        elif isinstance(source, FilePredictions) and source.on:
            wanted.append((source.on, (*where, "on")))
    for index, expectation in enumerate(scenario.expect):
        wanted += [(c, ("expect", index, "where", c)) for c in expectation.where or {}]
    problems = check_columns(project, scenario.data, wanted, locate)
    for where, source in scenario.sources():
        if isinstance(source, FilePredictions):
            columns: list[tuple[str, Where]] = [(source.column, (*where, "column"))]
            columns += [(source.on, (*where, "on"))] if source.on else []
            problems += check_columns(project, source.file, columns, locate)
    return problems


def _check_expectation(
    scenario: ShadowScenario, expectation: ShadowExpectation, index: int, locate: Locate
) -> list[Problem]:
    field = f"expect[{index}]"
    metric = expectation.metric
    allowed = REGRESSION_METRICS if scenario.task == "regression" else CLASSIFICATION_METRICS
    if metric not in allowed:
        return [
            Problem(
                locate(("expect", index, "metric")),
                f"{field}.metric",
                f"'{metric}' does not apply to task: {scenario.task}; use one of "
                f"{', '.join(allowed)}",
            )
        ]
    if metric in _BINARY_ONLY and scenario.task != "binary":
        return [
            Problem(
                locate(("expect", index, "metric")),
                f"{field}.metric",
                f"'{metric}' needs a positive class: it applies to task: binary only",
            )
        ]
    if metric in _PAIRWISE:
        for name in ("non_inferior", "better_than_baseline"):
            if getattr(expectation, name) is not None:
                return [
                    Problem(
                        locate(("expect", index, name)),
                        f"{field}.{name}",
                        f"'{metric}' already compares candidate with baseline: "
                        "use at_least or at_most",
                    )
                ]
    low, high = expectation.at_least, expectation.at_most
    if low is not None and high is not None and low > high:
        return [
            Problem(
                locate(("expect", index, "at_least")),
                f"{field}.at_least",
                f"at_least {low:g} is above at_most {high:g}: no value can pass",
            )
        ]
    return []

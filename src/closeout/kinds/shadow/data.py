"""Labels and predictions of a ``shadow`` scenario, loaded, checked and encoded for metrics.

Labels become class indices (classification) or floats (regression); each model's predictions
become an ``Output`` holding decisions (class indices), scores (binary: the probability of the
positive class; multiclass: an (n, k) probability matrix) or values (regression). Every
problem with the data is a ``DataError`` naming the file, row and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from closeout.callables import call_subject, load_callable
from closeout.errors import DataError
from closeout.kinds._toolkit.data import _row_line, read_frame, require_column
from closeout.kinds.shadow import mlflow_model
from closeout.kinds.shadow.encode import Output, Truth, Where, encode_output, preview
from closeout.kinds.shadow.spec import (
    CallablePredictions,
    ColumnPredictions,
    FilePredictions,
    MlflowPredictions,
    ShadowExpectation,
    ShadowScenario,
)
from closeout.project import Project

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


@dataclass
class Loaded:
    """The data frame, its labels and where it came from."""

    frame: pd.DataFrame
    display: str
    truth: Truth
    cache: dict[str, Output] = field(default_factory=dict)
    scenario_display: str = ""  # the scenario file, to name its lines in errors
    # What the evidence records about each MLflow model (``metrics.<role>.mlflow``), by the
    # URI as the scenario writes it.
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    # What each MLflow model resolved to (``KindResult.inputs``, hence ``inputs.resolved``).
    resolved: dict[str, dict[str, Any]] = field(default_factory=dict)


# --------------------------------------------------------------------------- labels


def load_data(scenario: ShadowScenario, project: Project, scenario_display: str = "") -> Loaded:
    """Read ``data`` and encode its label column."""
    try:
        path = project.resolve_inside(scenario.data)
    except ValueError as exc:
        raise DataError(f"data: {exc}") from None
    frame = read_frame(path, scenario.data)
    require_column(frame, scenario.label, scenario.data)
    labels = frame[scenario.label]
    missing = labels.isna().to_numpy()
    if missing.any():
        row = int(missing.nonzero()[0][0])
        raise DataError(
            f"{_row_line(scenario.data, row)}: label '{scenario.label}' is empty "
            f"({int(missing.sum())} rows without a label)"
        )
    truth = encode_truth(labels, scenario, scenario.data)
    return Loaded(frame.reset_index(drop=True), scenario.data, truth, {}, scenario_display)


def encode_truth(labels: pd.Series, scenario: ShadowScenario, display: str) -> Truth:
    """Class indices (sorted classes) or floats; binary needs a known positive class."""
    import numpy as np
    import pandas as pd

    if scenario.task == "regression":
        values = pd.to_numeric(labels, errors="coerce")
        bad = values.isna().to_numpy()
        if bad.any():
            row = int(bad.nonzero()[0][0])
            raise DataError(
                f"{_row_line(display, row)}: label '{scenario.label}': "
                f"'{labels.iloc[row]}' is not a number"
            )
        return Truth("regression", values.to_numpy(dtype=np.float64))
    try:
        classes = pd.Index(pd.unique(labels)).sort_values()
    except TypeError:
        raise DataError(
            f"{display}: label '{scenario.label}' mixes types (text and numbers)"
        ) from None
    if scenario.task == "binary":
        classes, positive = _binary_classes(classes, scenario, display)
    else:
        positive = -1
    y = classes.get_indexer(labels)
    return Truth(scenario.task, y.astype(np.int64), tuple(classes.tolist()), positive)


def _binary_classes(classes: pd.Index, scenario: ShadowScenario, display: str) -> Any:
    import pandas as pd

    shown = ", ".join(str(c) for c in classes)
    if len(classes) > 2:
        raise DataError(
            f"{display}: task: binary but label '{scenario.label}' has {len(classes)} classes "
            f"({preview(classes.tolist())}): use task: multiclass"
        )
    positive = scenario.positive
    if positive is None:
        if not all(_is_zero_or_one(c) for c in classes):
            raise DataError(
                f"{display}: label '{scenario.label}' has classes {shown}: "
                "set `positive:` to the positive class"
            )
        positive = 1
    matches = [i for i, c in enumerate(classes) if _same_class(c, positive)]
    if not matches:
        if len(classes) == 2 or not all(_kin(c, positive) for c in classes):
            raise DataError(
                f"{display}: positive class {positive!r} is not a value of label "
                f"'{scenario.label}' (values: {shown})"
            )
        classes = pd.Index([*classes.tolist(), positive]).sort_values()
        matches = [i for i, c in enumerate(classes) if _same_class(c, positive)]
    return classes, matches[0]


def _is_zero_or_one(value: Any) -> bool:
    return not isinstance(value, str) and value in (0, 1)


def _kin(a: Any, b: Any) -> bool:
    """Both text, or both numbers (booleans count as numbers)."""
    return isinstance(a, str) == isinstance(b, str)


def _same_class(a: Any, b: Any) -> bool:
    """Text equals text; numbers (and booleans) equal numbers; "1" never equals 1."""
    return _kin(a, b) and bool(a == b)


# --------------------------------------------------------------------------- predictions


def load_output(
    source: Any, role: str, scenario: ShadowScenario, loaded: Loaded, project: Project
) -> Output:
    """The predictions of ``source`` (a column, a file or a callable), checked and encoded."""
    key = source.model_dump_json(by_alias=True)
    if key not in loaded.cache:
        raw, where = _raw(source, role, scenario, loaded, project)
        loaded.cache[key] = encode_output(
            raw, loaded.truth, scenario.decision_threshold, where, source.describe()
        )
    return loaded.cache[key]


def _raw(
    source: Any, role: str, scenario: ShadowScenario, loaded: Loaded, project: Project
) -> tuple[Any, Where]:
    frame = loaded.frame
    if isinstance(source, ColumnPredictions):
        require_column(frame, source.column, loaded.display)
        where = Where(f"column '{source.column}'", loaded.display)
        return frame[source.column].to_numpy(), where
    if isinstance(source, FilePredictions):
        return _from_file(source, role, loaded, project)
    if isinstance(source, MlflowPredictions):
        return _from_mlflow(source, role, scenario, loaded, project)
    assert isinstance(source, CallablePredictions)
    return _from_callable(source, role, scenario, loaded, project)


def _from_file(
    source: FilePredictions, role: str, loaded: Loaded, project: Project
) -> tuple[Any, Where]:
    try:
        path = project.resolve_inside(source.file)
    except ValueError as exc:
        raise DataError(f"{role}.file: {exc}") from None
    other = read_frame(path, source.file)
    require_column(other, source.column, source.file)
    rows = len(loaded.frame)
    if source.on is None:
        if len(other) != rows:
            raise DataError(
                f"{source.file}: prediction length mismatch: {len(other)} rows, but "
                f"{loaded.display} has {rows}; join by a key column with `on:`"
            )
        return other[source.column].to_numpy(), Where(f"column '{source.column}'", source.file)
    # Joined rows follow the order of data, so a bad row is named by its line there.
    what = f"{source.file} column '{source.column}' (joined on '{source.on}')"
    return _join(source, other, loaded), Where(what, loaded.display)


def _join(source: FilePredictions, other: pd.DataFrame, loaded: Loaded) -> Any:
    key = source.on or ""
    require_column(loaded.frame, key, loaded.display)
    require_column(other, key, source.file)
    duplicated = other[key].duplicated().to_numpy()
    if duplicated.any():
        row = int(duplicated.nonzero()[0][0])
        raise DataError(
            f"{_row_line(source.file, row)}: key '{key}' value {other[key].iloc[row]!r} "
            "appears more than once"
        )
    position = other.set_index(key).index.get_indexer(loaded.frame[key])
    absent = position < 0
    if absent.any():
        row = int(absent.nonzero()[0][0])
        raise DataError(
            f"{source.file}: no prediction for {int(absent.sum())} rows of {loaded.display} "
            f"(first: {key} = {loaded.frame[key].iloc[row]!r}, "
            f"{_row_line(loaded.display, row)})"
        )
    return other[source.column].to_numpy()[position]


def feature_columns(scenario: ShadowScenario, frame: pd.DataFrame, display: str) -> list[str]:
    """``features``, or every column but the label and the prediction columns."""
    if scenario.features is not None:
        for column in scenario.features:
            require_column(frame, column, display)
        return list(scenario.features)
    used = {scenario.label}
    used |= {s.column for _, s in scenario.sources() if isinstance(s, ColumnPredictions)}
    return [str(c) for c in frame.columns if c not in used]


def _from_callable(
    source: CallablePredictions,
    role: str,
    scenario: ShadowScenario,
    loaded: Loaded,
    project: Project,
) -> tuple[Any, Where]:
    function = load_callable(source.callable_, project)
    columns = feature_columns(scenario, loaded.frame, loaded.display)
    # A copy, so a model that edits its input cannot change what the other model sees.
    features = loaded.frame[columns].copy()
    result = call_subject(function, features, what=f"{role} {source.callable_}")
    return _one_per_row(result, source.callable_, loaded), Where(
        f"the output of {source.callable_}"
    )


def _from_mlflow(
    source: MlflowPredictions,
    role: str,
    scenario: ShadowScenario,
    loaded: Loaded,
    project: Project,
) -> tuple[Any, Where]:
    """Call the MLflow model on ``features`` (by default: the inputs its signature names)."""
    field = next(w for w, s in scenario.sources() if s is source)
    where = mlflow_model.locate(project, loaded.scenario_display, (*field, "mlflow"))
    model = mlflow_model.load_model(source, where, project)
    if scenario.features is None and model.inputs:
        missing = [c for c in model.inputs if c not in loaded.frame.columns]
        if missing:
            raise DataError(
                f"{where}: {source.mlflow}: its signature needs {preview(missing)}, which "
                f"{loaded.display} has no column for; fix the data, or list `features:`"
            )
        columns = list(model.inputs)
    else:
        columns = feature_columns(scenario, loaded.frame, loaded.display)
    features = loaded.frame[columns].copy()
    result = mlflow_model.predict(model, features, where, f"{role} {source.mlflow}")
    loaded.models[source.mlflow] = model.info
    loaded.resolved[source.mlflow] = model.identity
    return _one_per_row(result, source.mlflow, loaded), Where(f"the output of {source.mlflow}")


def _one_per_row(result: Any, name: str, loaded: Loaded) -> Any:
    """The subject's return value as an array of one prediction (or row of them) per row."""
    import numpy as np
    import pandas as pd

    if isinstance(result, pd.DataFrame | pd.Series):
        result = result.to_numpy()
    try:
        array = np.asarray(result)
    except (ValueError, TypeError) as exc:
        raise DataError(f"{name}: returned {type(result).__name__}: {exc}") from None
    rows = len(loaded.frame)
    if array.ndim == 0 or array.ndim > 2:
        raise DataError(
            f"{name}: returned {type(result).__name__} of shape {array.shape}; "
            f"expected one prediction per row ({rows})"
        )
    if len(array) != rows:
        raise DataError(
            f"{name}: prediction length mismatch: returned {len(array)} "
            f"predictions for {rows} rows of {loaded.display}"
        )
    return array


# --------------------------------------------------------------------------- slices


def slice_rows(expectation: ShadowExpectation, loaded: Loaded) -> np.ndarray:
    """Row positions matching every ``where`` value; an empty slice is a DataError."""
    import numpy as np

    frame = loaded.frame
    mask = np.ones(len(frame), dtype=bool)
    for column, wanted in (expectation.where or {}).items():
        require_column(frame, column, loaded.display)
        values = wanted if isinstance(wanted, list) else [wanted]
        mask &= frame[column].isin(values).to_numpy()
    rows = mask.nonzero()[0]
    if len(rows) == 0:
        raise DataError(
            f"{loaded.display}: slice {expectation.slice_key()} matches no rows"
            f"{_slice_hint(expectation, loaded)}"
        )
    return rows


def _slice_hint(expectation: ShadowExpectation, loaded: Loaded) -> str:
    hints = []
    for column in sorted(expectation.where or {}):
        present = [str(v) for v in loaded.frame[column].dropna().unique().tolist()]
        hints.append(f"{column} has {preview(sorted(present))}")
    return f" ({'; '.join(hints)})" if hints else ""

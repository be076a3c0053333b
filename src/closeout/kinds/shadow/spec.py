"""The ``shadow`` kind (SPEC §4.2): is the fixed model at least as good, and better where the
incident hit?

Candidate and baseline predictions are compared on the same labelled rows: absolute bounds on
the candidate's point estimate (``at_least`` / ``at_most``) and paired-bootstrap intervals of
the difference (``non_inferior`` / ``better_than_baseline``). The subject is ``candidate``.
This module is only the YAML model (pydantic, no NumPy): lint and ``schema`` read it cheaply.
The engine (pandas, NumPy, scipy) is ``run`` and the modules it uses, imported when a scenario
runs.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, field_validator, model_validator
from pydantic_core import PydanticCustomError

from closeout.callables import parse_ref
from closeout.kinds.shadow.model_uri import ModelUri, parse_model_uri
from closeout.models import Model, ScenarioBase

CLASSIFICATION_METRICS = (
    "accuracy",
    "precision",
    "recall",
    "f1",
    "roc_auc",
    "log_loss",
    "positive_rate",
    "agreement",
)
REGRESSION_METRICS = ("mae", "rmse", "mape", "r2")
# "Better" means lower for losses and errors; the sign is handled for the user.
LOWER_IS_BETTER = frozenset({"log_loss", "mae", "rmse", "mape"})

MetricName = Literal[
    "accuracy",
    "precision",
    "recall",
    "f1",
    "roc_auc",
    "log_loss",
    "positive_rate",
    "agreement",
    "mae",
    "rmse",
    "mape",
    "r2",
]
SliceValue = str | int | float | bool


# --------------------------------------------------------------------------- predictions


class ColumnPredictions(Model):
    """Predictions held in a column of ``data``."""

    column: str = Field(min_length=1, description="the column of `data` holding the predictions")

    def describe(self) -> str:
        return f"column {self.column}"


class FilePredictions(Model):
    """Predictions in a separate file, joined to ``data`` by row order or by the key ``on``."""

    file: str = Field(
        min_length=1, description="a CSV or Parquet file of predictions, relative to the project"
    )
    column: str = Field(min_length=1, description="the column of `file` holding the predictions")
    on: str | None = Field(
        default=None,
        min_length=1,
        description="a key column of both files to join on; default: join by row order",
    )

    def describe(self) -> str:
        joined = f" joined on {self.on}" if self.on else " by row order"
        return f"{self.file}:{self.column}{joined}"


class CallablePredictions(Model):
    """A callable(DataFrame of features) -> predictions."""

    callable_: str = Field(
        alias="callable",
        min_length=1,
        description="'package.module:function' called with a DataFrame of `features`; "
        "returns one prediction (or row of class probabilities) per row",
    )

    @field_validator("callable_")
    @classmethod
    def _is_a_reference(cls, value: str) -> str:
        try:
            parse_ref(value)
        except ValueError as exc:
            raise PydanticCustomError("callable_ref", "{msg}", {"msg": str(exc)}) from None
        return value

    def describe(self) -> str:
        return f"callable {self.callable_}"


class MlflowPredictions(Model):
    """An MLflow model (SPEC §13), loaded with ``mlflow.pyfunc.load_model`` and called on
    ``features`` (by default the inputs its signature names)."""

    mlflow: str = Field(
        min_length=1,
        description="models:/NAME/VERSION, models:/NAME@ALIAS, runs:/RUN_ID/PATH or a project "
        "folder holding an MLmodel file; the registry is MLFLOW_TRACKING_URI",
    )

    @field_validator("mlflow")
    @classmethod
    def _is_a_model_uri(cls, value: str) -> str:
        try:
            parse_model_uri(value)
        except ValueError as exc:
            raise PydanticCustomError("model_uri", "{msg}", {"msg": str(exc)}) from None
        return value

    @property
    def uri(self) -> ModelUri:
        return parse_model_uri(self.mlflow)

    def describe(self) -> str:
        return f"mlflow {self.mlflow}"


_FORMS: dict[type, str] = {
    ColumnPredictions: "form:column",
    FilePredictions: "form:file",
    CallablePredictions: "form:callable",
    MlflowPredictions: "form:mlflow",
}


def _prediction_form(value: Any) -> str | None:
    if type(value) in _FORMS:
        return _FORMS[type(value)]
    if not isinstance(value, dict):
        return None
    if "mlflow" in value:
        return "form:mlflow"
    if "callable" in value:
        return "form:callable"
    if "file" in value:
        return "form:file"
    return "form:column" if "column" in value else None


Predictions = Annotated[
    Annotated[ColumnPredictions, Tag("form:column")]
    | Annotated[FilePredictions, Tag("form:file")]
    | Annotated[CallablePredictions, Tag("form:callable")]
    | Annotated[MlflowPredictions, Tag("form:mlflow")],
    Discriminator(
        _prediction_form,
        custom_error_type="prediction_source",
        custom_error_message=(
            "predictions are {column: name}, {file: path, column: name[, on: key]}, "
            "{callable: 'package.module:function'} or {mlflow: 'models:/NAME/VERSION'}"
        ),
    ),
]


# --------------------------------------------------------------------------- expectations


class Bootstrap(Model):
    """The paired bootstrap: number of resamples and the two-sided interval's confidence."""

    resamples: int = Field(
        default=2000, ge=100, le=1_000_000, description="how many paired bootstrap resamples"
    )
    confidence: float = Field(
        default=0.95, gt=0, lt=1, description="the confidence of the two-sided interval"
    )


class NonInferior(Model):
    """The candidate is at most ``margin`` worse than the baseline (interval's low end)."""

    margin: float = Field(
        ge=0, description="how much worse than the baseline the candidate may be, at most"
    )


class BetterThan(Model):
    """The candidate beats the baseline by more than ``by`` (interval's low end)."""

    by: float = Field(default=0.0, ge=0, description="how much better than the baseline, at least")


class ShadowExpectation(Model):
    """One metric on one slice, with one or more comparisons."""

    metric: MetricName = Field(
        description="the metric compared (losses and errors: lower is better, handled for you)"
    )
    where: dict[str, SliceValue | list[SliceValue]] | None = Field(
        default=None,
        description="the slice: column -> value (or list of values); default: every row",
    )
    at_least: float | None = Field(
        default=None, description="the candidate's metric on the slice is at least this"
    )
    at_most: float | None = Field(
        default=None, description="the candidate's metric on the slice is at most this"
    )
    non_inferior: NonInferior | None = Field(
        default=None,
        description="no worse than the baseline by more than a margin (paired bootstrap)",
    )
    better_than_baseline: BetterThan | None = Field(
        default=None, description="better than the baseline by at least `by` (paired bootstrap)"
    )

    @model_validator(mode="after")
    def _has_a_comparison(self) -> ShadowExpectation:
        if (
            self.at_least is None
            and self.at_most is None
            and self.non_inferior is None
            and self.better_than_baseline is None
        ):
            raise PydanticCustomError(
                "no_comparison",
                "give at least one of at_least, at_most, non_inferior, better_than_baseline",
            )
        return self

    def slice_key(self) -> str:
        """A stable, readable name of the slice: ``all`` or ``region=EU,tier=gold``."""
        if not self.where:
            return "all"
        parts = []
        for column in sorted(self.where):
            value = self.where[column]
            shown = "|".join(str(v) for v in value) if isinstance(value, list) else str(value)
            parts.append(f"{column}={shown}")
        return ",".join(parts)

    def comparisons(self) -> list[str]:
        names = ("at_least", "at_most", "non_inferior", "better_than_baseline")
        return [name for name in names if getattr(self, name) is not None]


# --------------------------------------------------------------------------- the scenario


class ShadowBefore(Model):
    candidate: Predictions = Field(
        description="the model in place during the incident, as the candidate it was"
    )


class ShadowScenario(ScenarioBase):
    """A ``shadow`` scenario: labelled data, baseline and candidate predictions, expectations."""

    subject_key = "candidate"

    kind: Literal["shadow"] = Field(description="compare a candidate model with a baseline")
    data: str = Field(
        min_length=1, description="labelled rows (CSV or Parquet), relative to the project"
    )
    label: str = Field(min_length=1, description="the column of `data` holding the true label")
    task: Literal["binary", "multiclass", "regression"] = Field(
        description="what the models predict"
    )
    features: list[str] | None = Field(
        default=None,
        min_length=1,
        description="the columns a callable or MLflow model is called on; default: every "
        "column but the label (an MLflow model: the inputs its signature names)",
    )
    baseline: Predictions = Field(description="the model in production: the comparison point")
    candidate: Predictions = Field(description="the fixed model: the subject under test")
    positive: SliceValue | None = Field(
        default=None, description="binary: the positive class; default 1 (for 0/1 labels)"
    )
    decision_threshold: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="binary: a score at or above this is a positive decision; default 0.5",
    )
    average: Literal["macro", "weighted", "micro"] = Field(
        default="macro", description="multiclass: how per-class precision, recall, f1 average"
    )
    bootstrap: Bootstrap = Field(
        default_factory=Bootstrap, description="the paired bootstrap of the comparisons"
    )
    expect: list[ShadowExpectation] = Field(
        min_length=1, description="metrics on slices, each with at least one comparison"
    )
    before: ShadowBefore | None = Field(
        default=None, description="the pre-fix state: the candidate before the fix"
    )

    def sources(self) -> list[tuple[tuple[str, ...], Any]]:
        """Every prediction source with its location in the file."""
        found: list[tuple[tuple[str, ...], Any]] = [
            (("baseline",), self.baseline),
            (("candidate",), self.candidate),
        ]
        if self.before is not None:
            found.append((("before", "candidate"), self.before.candidate))
        return found

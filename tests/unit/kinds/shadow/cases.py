"""Shared material of the shadow tests: a churn model package, traffic data, scenarios, arrays.

Not a test module: the tests import it as ``tests.unit.kinds.shadow.cases``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from tests.conftest import Write

from closeout.kinds.shadow import metrics
from closeout.kinds.shadow.encode import Output, Truth
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
    out = predict_v2(frame).copy()  # pandas 3: the array of to_numpy() is read-only
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


def run(write: Write, text: str, **options: Any) -> ScenarioRun:
    project = load_project()
    path = write("scenarios/INC-1/shadow.yaml", text)
    return run_loaded(load_scenario(project, path), project, **options)


def scenario(candidate: str) -> str:
    return SCENARIO.replace("CANDIDATE", candidate)


# --------------------------------------------------------------------------- arrays


def binary_case(n: int = 400, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.35).astype(np.int64)
    good = np.clip(0.25 + 0.5 * y + rng.normal(0, 0.22, n), 0, 1)
    fair = np.clip(0.3 + 0.35 * y + rng.normal(0, 0.25, n), 0, 1)
    return y, np.round(good, 3), np.round(fair, 3)  # rounding makes ties, as real scores have


def scores_output(scores: np.ndarray, threshold: float = 0.5) -> Output:
    return Output("s", "scores", decisions=(scores >= threshold).astype(np.int64), scores=scores)


def binary(y: np.ndarray) -> metrics.Slice:
    return metrics.Slice(Truth("binary", y, (0, 1), 1))


def multiclass_case(n: int = 600, k: int = 4, seed: int = 2) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    logits = rng.normal(0, 1, (n, k)) + 1.6 * np.eye(k)[y]
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return y, probabilities

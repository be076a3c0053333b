"""Regenerate INC-2025-071's shadow data and build its local MLflow model registry.

INC-2025-071: a water utility reads the handwritten digits of paper meter-reading cards with
*meter-digits*, a scikit-learn model over 8x8 grey-level crops of each digit (values 0-16;
``sklearn.datasets.load_digits``: 1,797 real handwritten digits). On 2025-10-06 the Harbour
depot's card scanners were replaced by a model that scans lighter: ink comes out at about
70% of its old darkness and the paper's grain adds faint specks. Version 1 (production)
misread about one Harbour digit in seven. Version 2 (the fix) scales each crop to its
darkest stroke before reading it and was retrained on a mix of old scans and cards re-scanned
on the new scanners.

Run from the project root::

    python scripts/make_meter_digits_fixtures.py

It writes:

- ``fixtures/INC-2025-071/shadow_cards.csv`` (committed; deterministic): the 719 held-out
  digits as the shadow period (20-31 October 2025) scanned them, with card id, depot,
  scanner, scan time, the 64 pixel values as that depot's scanner produced them, and the
  digit the meter reader confirmed (``digit``);
- ``fixtures/INC-2025-071/mlflow/`` (built on each machine, never committed: run ids and
  times differ on every build, and the folder ignores itself): a SQLite tracking store and
  model registry with ``meter-digits`` version 1 (production) and version 2 (the fix),
  aliases ``production`` -> 1 and ``challenger`` -> 2, and their artifacts.

The scenario reads the registry through ``MLFLOW_TRACKING_URI``, which ``nox -s demo`` sets;
by hand::

    export MLFLOW_TRACKING_URI=sqlite:///$PWD/fixtures/INC-2025-071/mlflow/mlflow.db

``--registry DIR`` builds the registry elsewhere (the tests use a temporary folder) and
``--skip-data`` leaves the CSV alone. Needs ``pip install 'closeout[mlflow]'``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import Normalizer, StandardScaler

ROOT = Path(__file__).resolve().parents[1]
INCIDENT = "INC-2025-071"
FIXTURES = ROOT / "fixtures" / INCIDENT
DATA = FIXTURES / "shadow_cards.csv"
REGISTRY = FIXTURES / "mlflow"
MODEL_NAME = "meter-digits"

SPLIT_SEED = 71
SEED = 20251006
DEPOTS = {"harbour": 0.40, "northgate": 0.35, "valley": 0.25}  # share of cards scanned
SCANNERS = {"harbour": "docuscan-7", "northgate": "docuscan-5", "valley": "docuscan-5"}
SHADOW_START = datetime(2025, 10, 20, 6, 0, tzinfo=UTC)
SHADOW_DAYS = 12
# The new scanner: ink at ~70% of its darkness (per card), paper grain as Poisson specks.
INK = (0.70, 0.05)
GRAIN = 0.3
RESCANNED_CARDS = 600  # archived cards re-scanned on the new scanners for v2's training
# Quiet MLflow: no usage reports, no progress bars (set before MLflow is imported).
MLFLOW_ENV = {"MLFLOW_DISABLE_TELEMETRY": "true", "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false"}


def pixel_columns() -> list[str]:
    return [f"pixel_{row}_{col}" for row in range(8) for col in range(8)]


def new_scanner(pixels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The same cards as the Harbour depot's new scanners see them."""
    ink = np.clip(rng.normal(INK[0], INK[1], (len(pixels), 1)), 0.3, 0.95)
    grain = rng.poisson(GRAIN, pixels.shape)
    return np.clip(np.round(pixels * ink + grain), 0, 16).astype(np.int64)


def split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    digits = load_digits()
    pixels = digits.data.astype(np.int64)
    return train_test_split(  # type: ignore[no-any-return]
        pixels, digits.target, test_size=0.4, random_state=SPLIT_SEED, stratify=digits.target
    )


def shadow_cards(pixels: np.ndarray, labels: np.ndarray) -> pd.DataFrame:
    """The held-out digits as the shadow period scanned them, one row per digit."""
    rng = np.random.default_rng(SEED)
    n = len(pixels)
    depots = rng.choice(list(DEPOTS), n, p=list(DEPOTS.values()))
    harbour = depots == "harbour"
    scanned = pixels.copy()
    scanned[harbour] = new_scanner(pixels[harbour], rng)
    offsets = np.sort(rng.uniform(0, SHADOW_DAYS * 86_400, n))
    frame = pd.DataFrame(
        {
            "card_id": [f"MR-{40001 + i // 6}-{i % 6 + 1}" for i in range(n)],
            "depot": depots,
            "scanner": [SCANNERS[d] for d in depots],
            "scanned_at": [
                (SHADOW_START + timedelta(seconds=float(s))).strftime("%Y-%m-%dT%H:%M:%SZ")
                for s in offsets
            ],
        }
    )
    frame = pd.concat([frame, pd.DataFrame(scanned, columns=pixel_columns())], axis=1)
    frame["digit"] = labels
    return frame


def fit_production(pixels: np.ndarray, labels: np.ndarray) -> Pipeline:
    """meter-digits v1, trained in 2024 on the old scanners' crops."""
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=5000))
    return model.fit(_frame(pixels), labels)


def fit_fix(pixels: np.ndarray, labels: np.ndarray) -> Pipeline:
    """meter-digits v2: each crop scaled to its darkest stroke; trained on old scans plus
    archived cards re-scanned on the new scanners."""
    rng = np.random.default_rng(SEED + 1)
    chosen = rng.choice(len(pixels), RESCANNED_CARDS, replace=False)
    rescans = new_scanner(pixels[chosen], rng)
    mixed = np.vstack([pixels, rescans])
    target = np.concatenate([labels, labels[chosen]])
    model = make_pipeline(
        Normalizer(norm="max"), StandardScaler(), LogisticRegression(C=0.1, max_iter=5000)
    )
    return model.fit(_frame(mixed), target)


def _frame(pixels: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(pixels, columns=pixel_columns())


def build_registry(folder: Path, models: dict[str, Pipeline], example: pd.DataFrame) -> str:
    """A fresh SQLite registry in ``folder`` holding the models as versions 1, 2, ...;
    the tracking URI to export."""
    folder = folder.resolve()
    for stale in (folder / "mlflow.db", folder / "artifacts"):
        if stale.is_dir():
            shutil.rmtree(stale)
        elif stale.exists():
            stale.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".gitignore").write_text("# built by scripts/make_meter_digits_fixtures.py\n*\n")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    os.environ.update(MLFLOW_ENV | {"MLFLOW_TRACKING_URI": uri})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MLflow's dependencies' deprecation notices
        _register(uri, folder, models, example)
    return uri


def _register(uri: str, folder: Path, models: dict[str, Pipeline], example: pd.DataFrame) -> None:
    import mlflow
    import sklearn
    from mlflow.models import infer_signature

    client = mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)
    experiment = client.create_experiment(
        MODEL_NAME, artifact_location=(folder / "artifacts").as_uri()
    )
    for description, model in models.items():
        signature = infer_signature(example, model.predict_proba(example))
        with mlflow.start_run(experiment_id=experiment, run_name=description):
            mlflow.sklearn.log_model(
                model,
                name="model",
                registered_model_name=MODEL_NAME,
                signature=signature,
                serialization_format="pickle",
                # Probabilities, so roc_auc and log_loss can compare the versions.
                pyfunc_predict_fn="predict_proba",
                pip_requirements=[f"scikit-learn=={sklearn.__version__}"],
            )
    client.set_registered_model_alias(MODEL_NAME, "production", "1")
    client.set_registered_model_alias(MODEL_NAME, "challenger", "2")


def accuracy(model: Pipeline, frame: pd.DataFrame, where: Any = slice(None)) -> float:
    rows = frame.loc[where]
    return float((model.predict(rows[pixel_columns()]) == rows["digit"]).mean())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registry", type=Path, default=REGISTRY, help="where to build it")
    parser.add_argument("--skip-data", action="store_true", help="leave the CSV as it is")
    args = parser.parse_args(argv)
    train_x, test_x, train_y, test_y = split()
    cards = shadow_cards(test_x, test_y)
    if not args.skip_data:
        FIXTURES.mkdir(parents=True, exist_ok=True)
        cards.to_csv(DATA, index=False)
    models = {
        "meter-digits v1 (production)": fit_production(train_x, train_y),
        "meter-digits v2 (contrast-normalised, rescans)": fit_fix(train_x, train_y),
    }
    uri = build_registry(args.registry, models, cards[pixel_columns()].head(5))
    harbour = cards["depot"] == "harbour"
    for name, model in models.items():
        print(
            f"{name}: accuracy {accuracy(model, cards):.3f} overall, "
            f"{accuracy(model, cards, harbour):.3f} at Harbour, "
            f"{accuracy(model, cards, ~harbour):.3f} elsewhere"
        )
    print(f"registry built: export MLFLOW_TRACKING_URI={uri}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Regenerate INC-2025-052's fixtures and model code from real data shipped with scikit-learn.

INC-2025-052: a pathology network triages fine-needle-aspirate (FNA) cytology cases with
*cyto-triage*, a StandardScaler + LogisticRegression model over the 30 nucleus-shape features
that each lab's slide-analysis software measures (``sklearn.datasets.load_breast_cancer``:
569 real FNA cases, 212 malignant). Cases scored >= 0.5 go to the 24-hour priority queue,
the rest to the 5-day routine queue. On 2025-09-01 the Northfield lab started measuring with
CellMorph 5.0, which smooths nucleus contours before measuring them: the concavity family
shrinks by about half and perimeter by 7%, under the same field names. Malignant Northfield
cases looked benign to the model.

Everything is deterministic (fixed split, fixed seeds, no network). Run from the project root::

    .venv/bin/python scripts/make_shadow_fixtures.py

It writes:

- ``examples/shadow_models/triage.py``: the model code the scenarios call, with the fitted
  weights inline (so the evidence's code hash covers them): ``score_v32`` (production) and
  ``score_v33`` (the fix: harmonise CellMorph 5.0 measurements back to the 4.6 scale, with
  factors estimated on 40 archived slides measured with both versions, then the same
  classifier);
- ``fixtures/INC-2025-052/shadow_cases.csv``: the 342 held-out cases as the shadow period
  (2025-09-22 to 2025-10-10) recorded them: lab, software version, the 30 measurements as
  that lab's software produced them, and the histology label joined later;
- ``fixtures/INC-2025-052/prod_predictions.csv``: the production prediction log of those
  cases (v3.2 scores, in scoring order; joined to the cases by ``case_id``);
- ``fixtures/INC-2025-052/metrics.csv``: the per-day series the monitoring stack exported
  from 2025-08-04 to 2025-09-30, replayed by drawing each lab's daily cases (Poisson volumes)
  from the held-out cases and applying CellMorph 5.0 to Northfield's from 2025-09-01.
  ``northfield_concavity_ratio`` is the median ``mean_concavity`` of Northfield's last 60
  cases over the training median; ``network_priority_rate`` is the day's share of cases
  sent to the priority queue across the three labs. Rows are stamped at the end of the day.
"""

from __future__ import annotations

import csv
import importlib.util
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parents[1]
INCIDENT = "INC-2025-052"
FIXTURES = ROOT / "fixtures" / INCIDENT
MODELS = ROOT / "examples" / "shadow_models"

SPLIT_SEED = 52
SEED = 20250901
PRIORITY_THRESHOLD = 0.5
LABS = {"northfield": 0.40, "riverside": 0.35, "eastgate": 0.25}  # share of cases
DAILY_CASES = {"northfield": 36, "riverside": 30, "eastgate": 22}  # weekday means
WEEKEND_FACTOR = 0.25
ONSET = datetime(2025, 9, 1, tzinfo=UTC)  # first slides measured with CellMorph 5.0
MITIGATED = datetime(2025, 9, 17, 12, 0, tzinfo=UTC)  # Northfield routed to priority review
REPLAY_DAYS = (datetime(2025, 8, 4, tzinfo=UTC), datetime(2025, 9, 30, tzinfo=UTC))
SHADOW_PERIOD = (datetime(2025, 9, 22, tzinfo=UTC), datetime(2025, 10, 10, tzinfo=UTC))
RATIO_CASES = 60
CALIBRATION_SLIDES = 40

# CellMorph 5.0 contour smoothing: multiplicative effect per measured quantity (mean, sd of
# the per-case factor). Each applies to the mean_, worst_ and _error variants.
SMOOTHING = {
    "concavity": (0.42, 0.06),
    "concave_points": (0.48, 0.06),
    "compactness": (0.72, 0.05),
    "smoothness": (0.88, 0.03),
    "perimeter": (0.93, 0.015),
    "fractal_dimension": (0.97, 0.01),
}


def load_cases() -> tuple[pd.DataFrame, pd.Series]:
    """The 569 FNA cases with snake_case feature names; label 1 = malignant."""
    bunch = load_breast_cancer(as_frame=True)
    features = bunch.data.rename(columns=lambda name: name.replace(" ", "_"))
    malignant = (1 - bunch.target).rename("malignant")  # scikit-learn codes benign as 1
    return features, malignant


def affected_columns(quantity: str) -> list[str]:
    return [f"mean_{quantity}", f"worst_{quantity}", f"{quantity}_error"]


def cellmorph5(features: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Measurements of the same nuclei after CellMorph 5.0's contour smoothing."""
    smoothed = features.copy()
    for quantity, (mean, spread) in SMOOTHING.items():
        factor = np.clip(rng.normal(mean, spread, len(features)), 0.2, 1.0)
        for column in affected_columns(quantity):
            smoothed[column] = (features[column] * factor).round(6)
    return smoothed


def harmonisation_factors(train: pd.DataFrame) -> dict[str, float]:
    """Median 5.0/4.6 ratio per affected column over archived slides measured with both."""
    slides = train.sample(CALIBRATION_SLIDES, random_state=SPLIT_SEED)
    remeasured = cellmorph5(slides, np.random.default_rng(SEED + 1))
    factors = {}
    for quantity in SMOOTHING:
        for column in affected_columns(quantity):
            measured = slides[column] > 0  # a few nuclei have no concavity at all
            ratio = remeasured.loc[measured, column] / slides.loc[measured, column]
            factors[column] = round(float(ratio.median()), 4)
    return factors


def fit_production(train: pd.DataFrame, labels: pd.Series) -> Pipeline:
    """cyto-triage v3.2, as trained in 2024 on CellMorph 4.6 measurements."""
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=5000))
    return model.fit(train, labels)


MODULE_TEMPLATE = '''\
"""cyto-triage: the FNA cytology triage model of the INC-2025-052 example incident.

Generated by scripts/make_shadow_fixtures.py from scikit-learn's breast-cancer data (do not
edit by hand: rerun the script). A case scoring >= 0.5 goes to the priority queue.

- ``score_v32``: production v3.2 (StandardScaler + LogisticRegression on CellMorph 4.6
  measurements).
- ``score_v33``: the fix for INC-2025-052 (action A1): measurements made with CellMorph 5.0
  are mapped back to the 4.6 scale (median ratios measured on {slides} archived slides
  scanned with both versions), then scored by the same classifier.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FEATURES = {features}
MEANS = {means}
SCALES = {scales}
COEFFICIENTS = {coefficients}
INTERCEPT = {intercept!r}

# CellMorph 5.0 measurement / CellMorph 4.6 measurement, per affected column
CELLMORPH5_FACTORS = {factors}


def _probability(frame: pd.DataFrame) -> np.ndarray:
    values = frame[FEATURES].to_numpy(dtype=float)
    standardised = (values - np.asarray(MEANS)) / np.asarray(SCALES)
    return 1.0 / (1.0 + np.exp(-(standardised @ np.asarray(COEFFICIENTS) + INTERCEPT)))


def harmonise(frame: pd.DataFrame) -> pd.DataFrame:
    """Map CellMorph 5.0 measurements back to the 4.6 scale the model was trained on."""
    out = frame.copy()
    on_v5 = (out["software"] == "cellmorph-5.0").to_numpy()
    for column, factor in CELLMORPH5_FACTORS.items():
        out.loc[on_v5, column] = out.loc[on_v5, column] / factor
    return out


def score_v32(frame: pd.DataFrame) -> np.ndarray:
    """Production v3.2: probability that the case is malignant."""
    return _probability(frame)


def score_v33(frame: pd.DataFrame) -> np.ndarray:
    """v3.3: harmonised inputs, same classifier."""
    return _probability(harmonise(frame))
'''


def _listing(items: list[str], brackets: str = "[]") -> str:
    """A bracketed literal with one item per line, as a formatter would lay it out."""
    body = "".join(f"    {item},\n" for item in items)
    return f"{brackets[0]}\n{body}{brackets[1]}"


def write_model_module(model: Pipeline, factors: dict[str, float], features: list[str]) -> Path:
    scaler, classifier = model[0], model[1]
    text = MODULE_TEMPLATE.format(
        slides=CALIBRATION_SLIDES,
        features=_listing([f'"{name}"' for name in features]),
        means=_listing([repr(float(v)) for v in scaler.mean_]),
        scales=_listing([repr(float(v)) for v in scaler.scale_]),
        coefficients=_listing([repr(float(v)) for v in classifier.coef_[0]]),
        intercept=float(classifier.intercept_[0]),
        factors=_listing([f'"{k}": {v!r}' for k, v in factors.items()], "{}"),
    )
    MODELS.mkdir(parents=True, exist_ok=True)
    for package in (MODELS.parent, MODELS):
        init = package / "__init__.py"
        if not init.exists():
            init.write_text('"""Example model code called by the bundled scenarios."""\n')
    path = MODELS / "triage.py"
    path.write_text(text)
    return path


def import_module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("generated_triage", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------- shadow period


def shadow_cases(held_out: pd.DataFrame, labels: pd.Series) -> pd.DataFrame:
    """The held-out cases as the shadow period recorded them."""
    rng = np.random.default_rng(SEED)
    count = len(held_out)
    labs = rng.choice(list(LABS), count, p=list(LABS.values()))
    span = (SHADOW_PERIOD[1] - SHADOW_PERIOD[0]).total_seconds()
    received = sorted(
        SHADOW_PERIOD[0] + timedelta(seconds=float(s)) for s in rng.uniform(0, span, count)
    )
    measured = held_out.reset_index(drop=True)
    on_v5 = labs == "northfield"
    measured.loc[on_v5] = cellmorph5(measured.loc[on_v5], rng)
    cases = pd.DataFrame(
        {
            "case_id": [f"FNA-25-{40000 + 7 * i:05d}" for i in range(count)],
            "received_at": [t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in received],
            "lab": labs,
            "software": np.where(on_v5, "cellmorph-5.0", "cellmorph-4.6"),
        }
    )
    cases = pd.concat([cases, measured], axis=1)
    cases["malignant"] = labels.to_numpy()
    # exported per lab by the histology system
    return cases.sort_values(["lab", "received_at"], kind="stable").reset_index(drop=True)


def prediction_log(cases: pd.DataFrame, triage: ModuleType) -> pd.DataFrame:
    """What production (v3.2) logged for those cases, in scoring order."""
    rng = np.random.default_rng(SEED + 2)
    delay = pd.to_timedelta(rng.integers(40, 900, len(cases)), unit="s")
    scored = pd.to_datetime(cases["received_at"]) + delay
    log = pd.DataFrame(
        {
            "scored_at": scored.dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "case_id": cases["case_id"],
            "model": "cyto-triage-3.2",
            "score": np.round(triage.score_v32(cases), 6),
        }
    )
    return log.sort_values(["scored_at", "case_id"]).reset_index(drop=True)


# --------------------------------------------------------------------------- daily replay


def replay(
    held_out: pd.DataFrame, labels: pd.Series, train: pd.DataFrame, triage: ModuleType
) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """Each day's cases per lab, what monitoring exported, and the incident's impact."""
    rng = np.random.default_rng(SEED + 3)
    pool = held_out.reset_index(drop=True)
    truth = labels.to_numpy()
    reference = float(train["mean_concavity"].median())
    northfield_history: list[float] = []
    rows: list[dict[str, str]] = []
    impact: dict[str, Any] = {}
    day = REPLAY_DAYS[0]
    while day <= REPLAY_DAYS[1]:
        weekend = day.weekday() >= 5
        priority = total = 0
        for lab, mean in DAILY_CASES.items():
            drawn = rng.integers(
                0, len(pool), rng.poisson(mean * (WEEKEND_FACTOR if weekend else 1))
            )
            cases = pool.iloc[drawn].copy()
            cases["software"] = "cellmorph-4.6"
            if lab == "northfield" and day >= ONSET:
                cases = cellmorph5(cases, rng)
                cases["software"] = "cellmorph-5.0"
            scores = triage.score_v32(cases)
            priority += int((scores >= PRIORITY_THRESHOLD).sum())
            total += len(cases)
            if lab == "northfield":
                northfield_history += cases["mean_concavity"].tolist()
                period = "incident" if ONSET <= day < MITIGATED else "august" if day < ONSET else ""
                if period:
                    _tally(impact, period, truth[drawn] == 1, scores >= PRIORITY_THRESHOLD)
        ratio = float(np.median(northfield_history[-RATIO_CASES:])) / reference
        rows.append(
            {
                "ts": (day + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "cases": str(total),
                "northfield_concavity_ratio": f"{ratio:.4f}",
                "network_priority_rate": f"{priority / total:.4f}",
            }
        )
        day += timedelta(days=1)
    return rows, impact


def _tally(
    impact: dict[str, Any], period: str, malignant: np.ndarray, priority: np.ndarray
) -> None:
    counts = impact.setdefault(period, {"cases": 0, "malignant": 0, "routine": 0, "priority": 0})
    counts["cases"] += len(malignant)
    counts["malignant"] += int(malignant.sum())
    counts["routine"] += int((malignant & ~priority).sum())
    counts["priority"] += int(priority.sum())


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def summarise(
    cases: pd.DataFrame, triage: ModuleType, impact: dict[str, Any], rows: list[dict[str, str]]
) -> None:
    from sklearn import metrics

    print(f"shadow cases: {len(cases)} ({int(cases['malignant'].sum())} malignant)")
    for name, mask in (
        ("all", np.ones(len(cases), dtype=bool)),
        ("northfield", (cases["lab"] == "northfield").to_numpy()),
        ("other labs", (cases["lab"] != "northfield").to_numpy()),
    ):
        part, y = cases[mask], cases.loc[mask, "malignant"]
        for version in ("v32", "v33"):
            scores = getattr(triage, f"score_{version}")(part)
            decided = scores >= PRIORITY_THRESHOLD
            recall = metrics.recall_score(y, decided)
            auc = metrics.roc_auc_score(y, scores)
            print(f"  {name:<11} {version}: rows {len(part):>3} recall {recall:.3f} auc {auc:.4f}")
    for period, counts in impact.items():
        print(
            f"Northfield replay, {period}: {counts['cases']} cases, {counts['malignant']} "
            f"malignant, {counts['routine']} of them routine (recall "
            f"{1 - counts['routine'] / counts['malignant']:.3f}), priority share "
            f"{counts['priority'] / counts['cases']:.3f}"
        )
    for row in rows:
        print(
            f"  {row['ts']}  cases {row['cases']:>3}  concavity ratio "
            f"{row['northfield_concavity_ratio']}  priority rate {row['network_priority_rate']}"
        )


def main() -> None:
    features, labels = load_cases()
    train, held_out, train_labels, held_out_labels = train_test_split(
        features, labels, test_size=0.6, stratify=labels, random_state=SPLIT_SEED
    )
    model = fit_production(train, train_labels)
    factors = harmonisation_factors(train)
    module_path = write_model_module(model, factors, list(features.columns))
    triage = import_module(module_path)
    FIXTURES.mkdir(parents=True, exist_ok=True)
    cases = shadow_cases(held_out, held_out_labels)
    cases.to_csv(FIXTURES / "shadow_cases.csv", index=False)
    prediction_log(cases, triage).to_csv(FIXTURES / "prod_predictions.csv", index=False)
    rows, impact = replay(held_out, held_out_labels, train, triage)
    write_csv(FIXTURES / "metrics.csv", rows)
    summarise(cases, triage, impact, rows)
    for path in (module_path, *sorted(FIXTURES.iterdir())):
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    sys.exit(main())

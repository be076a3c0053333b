"""Regenerate ``fixtures/INC-2025-047/`` from real data shipped with scikit-learn.

INC-2025-047: a diabetes care-management programme enrols patients in nurse outreach when
*progression-risk*, a linear model trained on ``sklearn.datasets.load_diabetes`` (442 real
patients; age, sex, BMI, blood pressure and six blood-serum measurements, in their original
clinical units), predicts a high one-year disease progression. Lab panels arrive from three
partner laboratories and are scored as they come in.

On 2025-09-09 at 10:00 UTC partner lab *Northside* cut over to a new laboratory information
system that reports the lipid panel in SI units: total cholesterol, LDL and HDL in mmol/L
instead of mg/dL (divided by 38.67) and triglycerides in mmol/L (divided by 88.57, so the
log-triglycerides feature drops by ln 88.57 = 4.48). The feature names and types did not
change. On those inputs the model predicts a far *lower* progression, so no Northside patient
was enrolled until the hotfix.

This script replays that: each scored panel is a real patient drawn (with replacement) from
the 442, from a lab chosen by the labs' traffic shares; Northside's panels between the
cut-over and the quarantine carry the SI values; the model is really fitted and really
scores every panel. Everything is deterministic (fixed seed, no network)::

    .venv/bin/python scripts/make_drift_replay_fixtures.py    # write the fixtures, print a summary

Files (Parquet, timestamps in UTC):

- ``training_panels.parquet``: the 442 training patients with the model's in-sample
  prediction and outreach decision: the reference of the drift monitors.
- ``normal_week.parquet``: every panel scored 2025-09-01 .. 2025-09-07 (the control week).
- ``incident_panels.parquet``: every panel scored 2025-09-08 00:00 .. 2025-09-10 20:00.
- ``northside_normal_week.parquet``, ``northside_incident_panels.parquet``: the same two
  periods, Northside's panels only (what a per-lab monitor sees).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression

ROOT = Path(__file__).resolve().parents[1]
INCIDENT = "INC-2025-047"
OUTPUT = ROOT / "fixtures" / INCIDENT

SEED = 20250909
FEATURES = ["age", "sex", "bmi", "bp", "tc", "ldl", "hdl", "tc_hdl", "ltg", "glucose"]
LIPIDS_MG_PER_MMOL = {"tc": 38.67, "ldl": 38.67, "hdl": 38.67}
LN_TRIGLYCERIDES_MG_PER_MMOL = float(np.log(88.57))
OUTREACH_QUANTILE = 0.70  # the top 30% of predicted progression is enrolled

LABS = {"northside": 0.28, "riverside": 0.45, "harbor": 0.27}  # share of panels
CONTROL = (datetime(2025, 9, 1, tzinfo=UTC), datetime(2025, 9, 8, tzinfo=UTC))
REPLAY = (datetime(2025, 9, 8, tzinfo=UTC), datetime(2025, 9, 10, 20, tzinfo=UTC))
CUTOVER = datetime(2025, 9, 9, 10, 0, tzinfo=UTC)  # Northside LIS switches to SI units
QUARANTINE = datetime(2025, 9, 10, 19, 30, tzinfo=UTC)  # Northside panels held from scoring

# Panels per hour on a weekday (UTC); weekends run at 30% (skeleton lab service).
WEEKDAY_VOLUME = [3, 3, 3, 3, 3, 3, 20, 60] + [110] * 9 + [80, 50, 30, 8, 8, 8, 8]
WEEKEND_FACTOR = 0.3


def patients() -> pd.DataFrame:
    """The 442 real patients in clinical units, with scikit-learn's column meaning."""
    frame = load_diabetes(scaled=False, as_frame=True).frame
    frame.columns = [*FEATURES, "progression"]
    return frame


def fit_model(data: pd.DataFrame) -> tuple[LinearRegression, float]:
    model = LinearRegression().fit(data[FEATURES], data["progression"])
    cutoff = float(np.quantile(model.predict(data[FEATURES]), OUTREACH_QUANTILE))
    return model, cutoff


def to_si_units(panels: pd.DataFrame) -> pd.DataFrame:
    """Northside's new LIS: lipids in mmol/L, log-triglycerides of mmol/L."""
    out = panels.copy()
    for column, factor in LIPIDS_MG_PER_MMOL.items():
        out[column] = (out[column] / factor).round(2)
    out["ltg"] = (out["ltg"] - LN_TRIGLYCERIDES_MG_PER_MMOL).round(4)
    return out


def scored(panels: pd.DataFrame, model: LinearRegression, cutoff: float) -> pd.DataFrame:
    out = panels.copy()
    out["predicted_progression"] = model.predict(panels[FEATURES]).round(1)
    out["outreach"] = np.where(out["predicted_progression"] >= cutoff, "yes", "no")
    return out


def traffic(
    data: pd.DataFrame, start: datetime, end: datetime, rng: np.random.Generator
) -> pd.DataFrame:
    """Every panel scored between start and end: real patients, labs, arrival times."""
    rows = []
    hour = start
    while hour < end:
        volume = WEEKDAY_VOLUME[hour.hour] * (WEEKEND_FACTOR if hour.weekday() >= 5 else 1)
        count = int(rng.poisson(volume))
        seconds = np.sort(rng.integers(0, 3600, count))
        picks = rng.integers(0, len(data), count)
        labs = rng.choice(list(LABS), count, p=list(LABS.values()))
        for second, pick, lab in zip(seconds, picks, labs, strict=True):
            rows.append((hour + timedelta(seconds=int(second)), lab, int(pick)))
        hour += timedelta(hours=1)
    frame = data.iloc[[pick for _, _, pick in rows]][FEATURES].reset_index(drop=True)
    frame.insert(0, "lab", [lab for _, lab, _ in rows])
    frame.insert(0, "scored_at", pd.to_datetime([t for t, _, _ in rows], utc=True))
    return frame


def inject_fault(panels: pd.DataFrame) -> pd.Series:
    """Apply the SI-unit switch to Northside's panels in the fault period; return the mask."""
    when = panels["scored_at"]
    faulty = (panels["lab"] == "northside") & (when >= CUTOVER) & (when < QUARANTINE)
    panels.loc[faulty] = to_si_units(panels.loc[faulty])
    return faulty


def build() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(SEED)
    data = patients()
    model, cutoff = fit_model(data)
    reference = scored(data[FEATURES], model, cutoff)
    control = scored(traffic(data, *CONTROL, rng), model, cutoff)
    incident = traffic(data, *REPLAY, rng)
    truth = scored(incident, model, cutoff)  # what the model would have said in mg/dL
    faulty = inject_fault(incident)
    incident = scored(incident, model, cutoff)
    summary(incident, truth, faulty, cutoff)
    return {
        "training_panels": reference,
        "normal_week": control,
        "incident_panels": incident,
        "northside_normal_week": control[control["lab"] == "northside"],
        "northside_incident_panels": incident[incident["lab"] == "northside"],
    }


def summary(incident: pd.DataFrame, truth: pd.DataFrame, faulty: pd.Series, cutoff: float) -> None:
    missed = faulty & (truth["outreach"] == "yes") & (incident["outreach"] == "no")
    during = (incident["scored_at"] >= CUTOVER) & (incident["scored_at"] < QUARANTINE)
    print(f"outreach cutoff (predicted progression): {cutoff:.1f}")
    print(f"panels scored in the replay: {len(incident)}; in the fault period: {int(during.sum())}")
    print(f"Northside panels in SI units: {int(faulty.sum())}")
    print(
        f"  their mean prediction: {incident.loc[faulty, 'predicted_progression'].mean():.1f} "
        f"(in mg/dL it would be {truth.loc[faulty, 'predicted_progression'].mean():.1f})"
    )
    print(f"  patients who should have been enrolled and were not: {int(missed.sum())}")
    rate_before = (truth.loc[during, "outreach"] == "yes").mean()
    rate_during = (incident.loc[during, "outreach"] == "yes").mean()
    print(f"outreach rate in the fault period: {rate_during:.1%} (expected {rate_before:.1%})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for name, frame in build().items():
        path = OUTPUT / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        print(f"wrote {path.relative_to(ROOT)}: {len(frame)} rows, {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())

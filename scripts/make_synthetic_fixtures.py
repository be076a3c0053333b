"""Regenerate ``fixtures/INC-2025-058/`` from real data shipped with scikit-learn.

INC-2025-058: a care-management team ranks patients for nurse outreach with a
diabetes-progression model trained on ``sklearn.datasets.load_diabetes`` in raw units (442
real patients: age, sex, BMI, blood pressure and six serum measurements). Lab results
arrive hourly from three lab partners and go through ``examples/ingest`` (an ingestion check,
then ``prepare_features``) before scoring; scores are written back to patients by row
position. On 2025-09-16 at 22:00 UTC the partner Northfield Labs cut over to a new
laboratory information system that (a) reported fasting glucose in mmol/L instead of mg/dL
and (b) sent HDL cholesterol as blank, or as 0, when the panel did not measure it.

This script replays the incident night from the real patients and writes:

- ``normal_batch.csv``: the 16:00 batch of 16 September, as received (all partners,
  mg/dL). The validator scenario uses it as a clean edge case that must be accepted.
- ``incident_rows.csv``: the first Northfield rows after the cut-over, as received
  (glucose in mmol/L, HDL blank or 0). The transform scenario tries them first.
- ``batch_metrics.csv``: one row per hourly batch (stamped at the end of its hour), the
  series the alert scenario replays: ``rows``, ``glu_p10`` and ``glu_median`` (mg/dL as
  received), ``hdl_missing_share`` (blank or 0), ``rows_lost_v1`` (rows the original
  transform dropped) and ``misaligned_v1`` (patients who got another patient's score).

Everything is deterministic (fixed seed, no network). Run from the project root::

    .venv/bin/python scripts/make_synthetic_fixtures.py            # write, print figures
    .venv/bin/python scripts/make_synthetic_fixtures.py --columns  # also print the
                                                                   # columns block of the
                                                                   # scenarios, from the data
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_diabetes

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from examples.ingest import features  # noqa: E402  (after the project root is on the path)

INCIDENT = "INC-2025-058"
OUTPUT = ROOT / "fixtures" / INCIDENT
SEED = 20250916
PARTNERS = ("Northfield", "Ridgeway", "Coastal")
PARTNER_SHARE = (0.40, 0.35, 0.25)
FIRST_BATCH = datetime(2025, 9, 16, 13, 0, tzinfo=UTC)  # stamped at the end of its hour
LAST_BATCH = datetime(2025, 9, 17, 18, 0, tzinfo=UTC)
CUTOVER = datetime(2025, 9, 16, 22, 0, tzinfo=UTC)  # Northfield LIS v7 live
QUARANTINE = datetime(2025, 9, 17, 11, 50, tzinfo=UTC)  # Northfield batches held
PARTNER_FIX = datetime(2025, 9, 17, 15, 30, tzinfo=UTC)  # Northfield back to mg/dL
HOURLY_ROWS = 24  # Poisson mean
GLUCOSE_MGDL_PER_MMOL = 18.016
HDL_BLANK, HDL_ZERO = 0.15, 0.05  # Northfield panels without HDL after the cut-over
COLUMNS = ["patient_id", "age", "sex", "bmi", "bp", "tc", "ldl", "hdl", "ltg", "glu"]


def patients() -> pd.DataFrame:
    """The 442 real patients in the units the model was trained on, with ids and partners."""
    raw = load_diabetes(scaled=False, as_frame=True).frame
    frame = raw.rename(columns={"s1": "tc", "s2": "ldl", "s3": "hdl", "s5": "ltg", "s6": "glu"})
    frame["patient_id"] = 100_000 + np.arange(len(frame)) * 37 % 900_000
    frame["age"] = frame["age"].astype(int)
    frame["sex"] = frame["sex"].astype(int)
    rng = np.random.default_rng(SEED)
    frame["partner"] = rng.choice(PARTNERS, size=len(frame), p=PARTNER_SHARE)
    check_training_medians(raw)
    return frame


def check_training_medians(raw: pd.DataFrame) -> None:
    """The constants in examples/ingest/features.py are the training data's medians."""
    assert raw["s3"].median() == features.TRAINING_MEDIAN_HDL, raw["s3"].median()
    assert raw["s4"].median() == features.TRAINING_MEDIAN_TCH, raw["s4"].median()


def as_received(rows: pd.DataFrame, stamp: datetime, rng: np.random.Generator) -> pd.DataFrame:
    """What a partner sent for the hour ending at ``stamp``."""
    batch = rows[[*COLUMNS, "partner"]].copy()
    northfield = batch["partner"] == "Northfield"
    if CUTOVER < stamp <= QUARANTINE or (QUARANTINE < stamp <= PARTNER_FIX):
        changed = northfield.to_numpy()
        batch.loc[changed, "glu"] = (batch.loc[changed, "glu"] / GLUCOSE_MGDL_PER_MMOL).round(1)
        draw = rng.random(len(batch))
        batch.loc[changed & (draw < HDL_BLANK), "hdl"] = np.nan
        batch.loc[changed & (draw >= HDL_BLANK) & (draw < HDL_BLANK + HDL_ZERO), "hdl"] = 0.0
    if QUARANTINE < stamp <= PARTNER_FIX:
        batch = batch[~northfield]  # held at ingestion until the partner fixed its units
    return batch.reset_index(drop=True)


def replay(everyone: pd.DataFrame) -> list[tuple[datetime, pd.DataFrame]]:
    rng = np.random.default_rng(SEED + 1)
    batches = []
    stamp = FIRST_BATCH
    while stamp <= LAST_BATCH:
        count = max(5, int(rng.poisson(HOURLY_ROWS)))
        picked = everyone.iloc[np.sort(rng.choice(len(everyone), size=count, replace=False))]
        batches.append((stamp, as_received(picked, stamp, rng)))
        stamp += timedelta(hours=1)
    return batches


def misaligned(batch: pd.DataFrame) -> tuple[int, int]:
    """Rows the original transform dropped, and patients who then got another's score."""
    lab = batch[COLUMNS]
    out = features.prepare_features_v1(lab)
    lost = len(lab) - len(out)
    ids_in = lab["patient_id"].to_numpy()
    ids_out = out["patient_id"].to_numpy()
    wrong = int((ids_in[: len(ids_out)] != ids_out).sum())
    return lost, wrong


def metrics(batches: list[tuple[datetime, pd.DataFrame]]) -> pd.DataFrame:
    rows = []
    for stamp, batch in batches:
        lost, wrong = misaligned(batch)
        hdl = batch["hdl"]
        rows.append(
            {
                "ts": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "rows": len(batch),
                "glu_p10": round(float(np.percentile(batch["glu"], 10)), 2),
                "glu_median": round(float(batch["glu"].median()), 2),
                "hdl_missing_share": round(float((hdl.isna() | (hdl == 0)).mean()), 4),
                "rows_lost_v1": lost,
                "misaligned_v1": wrong,
            }
        )
    return pd.DataFrame(rows)


def write(batches: list[tuple[datetime, pd.DataFrame]], table: pd.DataFrame, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    normal = next(b for s, b in batches if s == datetime(2025, 9, 16, 16, 0, tzinfo=UTC))
    normal[COLUMNS].to_csv(folder / "normal_batch.csv", index=False)
    incident_rows(batches).to_csv(folder / "incident_rows.csv", index=False)
    table.to_csv(folder / "batch_metrics.csv", index=False)


def incident_rows(batches: list[tuple[datetime, pd.DataFrame]]) -> pd.DataFrame:
    """Northfield's first rows after the cut-over, up to one with a blank and one with a 0 HDL."""
    taken = []
    for stamp, batch in batches:
        if stamp <= CUTOVER:
            continue
        for _, row in batch[batch["partner"] == "Northfield"].iterrows():
            taken.append(row[COLUMNS])
            hdl = pd.Series([r["hdl"] for r in taken])
            if hdl.isna().any() and (hdl == 0).any():
                return pd.DataFrame(taken).astype({"patient_id": int, "age": int, "sex": int})
    raise SystemExit("no blank and zero HDL in the incident window: change SEED")


def summarise(batches: list[tuple[datetime, pd.DataFrame]], table: pd.DataFrame) -> None:
    """The figures the postmortem quotes."""
    stamps = pd.to_datetime(table["ts"], utc=True)
    window = table[(stamps > CUTOVER) & (stamps <= QUARANTINE)]
    before = table[stamps <= CUTOVER]
    northfield = sum(
        int((b["partner"] == "Northfield").sum()) for s, b in batches if CUTOVER < s <= QUARANTINE
    )
    print(f"incident window: {len(window)} batches, {int(window['rows'].sum())} patients scored")
    print(f"Northfield rows in the window (glucose in mmol/L): {northfield}")
    print(f"rows dropped by prepare_features_v1: {int(window['rows_lost_v1'].sum())}")
    print(f"patients given another patient's score: {int(window['misaligned_v1'].sum())}")
    shifted = int((window["misaligned_v1"] > 0).sum())
    print(f"batches with a shift: {shifted} of {len(window)}")
    print(f"glu_p10 before the cut-over: {before['glu_p10'].min()}-{before['glu_p10'].max()}")
    print(f"glu_p10 in the window: {window['glu_p10'].min()}-{window['glu_p10'].max()}")


def print_columns(everyone: pd.DataFrame) -> None:
    """The observed range of each column: the bounds of the scenarios' generated columns."""
    for column in COLUMNS[1:]:
        low, high = everyone[column].min(), everyone[column].max()
        print(f"  {column}: {{min: {low:g}, max: {high:g}}}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--columns", action="store_true", help="print the observed bounds")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="folder to write to")
    args = parser.parse_args(argv)
    everyone = patients()
    batches = replay(everyone)
    table = metrics(batches)
    write(batches, table, args.output)
    print(f"wrote {args.output}/ (normal_batch, incident_rows, batch_metrics)")
    summarise(batches, table)
    if args.columns:
        print_columns(everyone)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

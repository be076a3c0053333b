"""Regenerate INC-2025-071's scan log: the data its drift_replay scenario (action A3) replays.

INC-2025-071 (see scripts/make_meter_digits_fixtures.py for the model and the shadow data):
on 2025-10-06 07:00 the Harbour depot's card scanners were replaced by units that scan
lighter (ink at ~70% of its darkness, paper grain as faint specks). The digit-reading
pipeline logs one row per card it reads: when, which depot and scanner, the darkest pixel of
the crop (``ink_peak``, 0-16), how many pixels are faint specks (``faint_pixels``: values 1-3),
the digit production model v1 read (``digit_read``, a category) and its confidence.

The cards are real handwritten digits: scikit-learn's ``load_digits`` (1,797 digits, 8x8
grey levels 0-16), the same held-out split the shadow data uses, drawn with replacement
(a day's log samples the 719 held-out digits again); Harbour's cards after the change go
through the same scanner model as the shadow data. Model v1 is the production model of
scripts/make_meter_digits_fixtures.py, fitted the same way. Run from the project root::

    python scripts/make_meter_digits_drift_fixtures.py

It writes (deterministic; committed) under ``fixtures/INC-2025-071/``:

- ``scan_log_reference.parquet``: 1-14 September 2025, the reference the drift report uses;
- ``scan_log_normal.parquet``: 15-28 September, a normal fortnight (the control period);
- ``scan_log_incident.parquet``: 29 September to 17 October 12:00, the change on 6 October.

``--output DIR`` writes them elsewhere (tests compare a fresh build with the committed files).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_meter_digits_fixtures import (
    DEPOTS,
    FIXTURES,
    SCANNERS,
    fit_production,
    new_scanner,
    pixel_columns,
    split,
)

SEED = 20251007
CARDS_PER_DAY = 800  # the pipeline logs a sample of the cards it reads (about 1 in 3)
CHANGE = datetime(2025, 10, 6, 7, 0, tzinfo=UTC)
PERIODS = {
    "reference": (datetime(2025, 9, 1, tzinfo=UTC), datetime(2025, 9, 15, tzinfo=UTC)),
    "normal": (datetime(2025, 9, 15, tzinfo=UTC), datetime(2025, 9, 29, tzinfo=UTC)),
    "incident": (datetime(2025, 9, 29, tzinfo=UTC), datetime(2025, 10, 17, 12, tzinfo=UTC)),
}
FAINT = (1, 3)  # grey levels of a faint speck


def scan_log(
    start: datetime, end: datetime, pixels: np.ndarray, model: object, rng: np.random.Generator
) -> pd.DataFrame:
    """One row per logged card read between ``start`` and ``end`` (06:00-18:00 each day)."""
    rows = []
    day = start
    while day < end:
        count = int(rng.poisson(CARDS_PER_DAY * (0.45 if day.weekday() >= 5 else 1.0)))
        seconds = np.sort(rng.uniform(6 * 3600, 18 * 3600, count))
        rows += [t for s in seconds if (t := day + timedelta(seconds=float(s))) < end]
        day += timedelta(days=1)
    n = len(rows)
    depots = rng.choice(list(DEPOTS), n, p=list(DEPOTS.values()))
    scanned = pixels[rng.integers(0, len(pixels), n)].copy()
    changed = (depots == "harbour") & (np.array(rows) >= CHANGE)
    scanned[changed] = new_scanner(scanned[changed], rng)
    frame = pd.DataFrame(scanned, columns=pixel_columns())
    probabilities = model.predict_proba(frame)  # type: ignore[attr-defined]
    return pd.DataFrame(
        {
            "scanned_at": pd.to_datetime(rows, utc=True),
            "depot": depots,
            "scanner": ["docuscan-7" if c else SCANNERS["northgate"] for c in changed],
            "ink_peak": scanned.max(axis=1).astype("int64"),
            "faint_pixels": ((scanned >= FAINT[0]) & (scanned <= FAINT[1])).sum(axis=1),
            "digit_read": [str(d) for d in probabilities.argmax(axis=1)],
            "confidence": probabilities.max(axis=1).round(4),
        }
    )


def scan_logs() -> dict[str, pd.DataFrame]:
    """The three periods' scan logs, by name (deterministic)."""
    train_x, test_x, train_y, _ = split()
    model = fit_production(train_x, train_y)
    rng = np.random.default_rng(SEED)
    return {
        name: scan_log(start, end, test_x, model, rng) for name, (start, end) in PERIODS.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=FIXTURES, help="folder to write")
    args = parser.parse_args(argv)
    args.output.mkdir(parents=True, exist_ok=True)
    for name, log in scan_logs().items():
        path = args.output / f"scan_log_{name}.parquet"
        log.to_parquet(path, index=False)
        changed = int((log["scanner"] == "docuscan-7").sum())
        print(f"{path}: {len(log)} cards ({changed} on DocuScan 7)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

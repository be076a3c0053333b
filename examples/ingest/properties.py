"""Properties the scenarios check on transform outputs (called by closeout)."""

from __future__ import annotations

import pandas as pd


def rows_stay_with_their_patient(batch: pd.DataFrame, features: pd.DataFrame) -> None:
    """Scores are written back by position: row i of the features must be row i's patient."""
    assert len(features) == len(batch), f"{len(batch)} patients in, {len(features)} rows out"
    expected = batch["patient_id"].to_numpy()
    found = features["patient_id"].to_numpy()
    moved = [i for i, (a, b) in enumerate(zip(expected, found, strict=True)) if a != b]
    assert not moved, (
        f"row {moved[0]} holds patient {found[moved[0]]} instead of {expected[moved[0]]} "
        f"({len(moved)} rows would get another patient's score)"
    )

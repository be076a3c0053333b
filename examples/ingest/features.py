"""Model features from an accepted lab batch.

The diabetes-progression model uses ``tch``, the total-to-HDL cholesterol ratio, which the
pipeline computes. Scores are written back to patients **by row position**, so the output
must keep every input row, in order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Medians of the training data (load_diabetes, raw units), checked by
# scripts/make_synthetic_fixtures.py: used when a value is missing.
TRAINING_MEDIAN_HDL = 48.0
TRAINING_MEDIAN_TCH = 4.0
# HDL below this is not a measurement: partners send 0 (or tiny values) for "not measured".
HDL_MEASURABLE = 10.0


def prepare_features(batch: pd.DataFrame) -> pd.DataFrame:
    """Add ``tch`` and ``hdl_measured``; impute instead of dropping, keep rows and order."""
    features = batch.copy()
    hdl = features["hdl"].where(features["hdl"] >= HDL_MEASURABLE)
    features["hdl_measured"] = hdl.notna()
    features["tch"] = (features["tc"] / hdl).fillna(TRAINING_MEDIAN_TCH)
    features["hdl"] = hdl.fillna(TRAINING_MEDIAN_HDL)
    return features


def prepare_features_v1(batch: pd.DataFrame) -> pd.DataFrame:
    """The transform as it ran on 16 September 2025: rows it cannot compute are dropped."""
    features = batch.copy()
    features["tch"] = features["tc"] / features["hdl"]
    features = features.replace([np.inf, -np.inf], np.nan).dropna()
    return features.reset_index(drop=True)

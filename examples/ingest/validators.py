"""Ingestion checks for a lab-result batch, run before anything is scored.

A batch has one row per patient: ``patient_id``, ``age``, ``sex`` (1 or 2) and the lab panel
``bmi`` (kg/m2), ``bp`` (mean arterial pressure, mmHg), ``tc``, ``ldl``, ``hdl`` (total, LDL
and HDL cholesterol, mg/dL), ``ltg`` (log serum triglycerides) and ``glu`` (fasting glucose,
mg/dL). ``hdl`` may be blank: some panels do not measure it.
"""

from __future__ import annotations

import pandas as pd

LAB_COLUMNS = ("bmi", "bp", "tc", "ldl", "hdl", "ltg", "glu")
REQUIRED = ("patient_id", "age", "sex", *LAB_COLUMNS)
MAY_BE_BLANK = {"hdl"}
SEX_CODES = {1, 2}

# Clinical plausibility limits, in the units the model was trained on (mg/dL for lipids and
# glucose). They are deliberately wide: their job is to catch wrong units and sentinel
# values (0 for "not measured"), not to judge patients. A batch in mmol/L falls far below
# them (glucose 3-7, cholesterol 2-8).
PLAUSIBLE = {
    "age": (18, 110),
    "bmi": (12.0, 70.0),
    "bp": (40.0, 180.0),
    "tc": (60.0, 500.0),
    "ldl": (20.0, 400.0),
    "hdl": (10.0, 150.0),
    "ltg": (2.0, 7.5),
    "glu": (30.0, 600.0),
}


class LabBatchRejected(ValueError):
    """The batch breaks the lab-data contract; the message lists every problem found."""


def check_lab_batch(batch: pd.DataFrame) -> bool:
    """Accept a batch (True) or raise LabBatchRejected naming every problem."""
    problems = _missing_columns(batch)
    if not problems:
        problems = _identity_problems(batch) + _type_problems(batch)
    if not problems:
        problems = _value_problems(batch)
    if problems:
        raise LabBatchRejected("; ".join(problems))
    return True


def _missing_columns(batch: pd.DataFrame) -> list[str]:
    missing = [c for c in REQUIRED if c not in batch.columns]
    return [f"missing column {c}" for c in missing]


def _identity_problems(batch: pd.DataFrame) -> list[str]:
    ids = batch["patient_id"]
    problems = []
    if ids.isna().any():
        problems.append(f"{int(ids.isna().sum())} rows without patient_id")
    if ids.dropna().duplicated().any():
        problems.append(f"{int(ids.dropna().duplicated().sum())} duplicated patient_id")
    sex = batch["sex"].astype(object)
    if not sex.isin(SEX_CODES).all():
        problems.append(
            f"sex codes outside {sorted(SEX_CODES)}: {sorted(set(sex) - SEX_CODES, key=str)}"
        )
    return problems


def _type_problems(batch: pd.DataFrame) -> list[str]:
    return [
        f"{column} is {batch[column].dtype}, not numeric"
        for column in ("age", *LAB_COLUMNS)
        if not pd.api.types.is_numeric_dtype(batch[column])
        or pd.api.types.is_bool_dtype(batch[column])
    ]


def _value_problems(batch: pd.DataFrame) -> list[str]:
    problems = []
    for column, (low, high) in PLAUSIBLE.items():
        values = batch[column]
        blank = int(values.isna().sum())
        if blank and column not in MAY_BE_BLANK:
            problems.append(f"{blank} blank {column}")
        outside = values.notna() & ~values.between(low, high)
        if outside.any():
            shown = ", ".join(str(v) for v in values[outside].head(3))
            problems.append(f"{int(outside.sum())} {column} outside [{low}, {high}]: {shown}")
    return problems


def check_lab_batch_v1(batch: pd.DataFrame) -> bool:
    """The check in place on 16 September 2025: required columns present, batch not empty."""
    return len(batch) > 0 and all(c in batch.columns for c in REQUIRED)

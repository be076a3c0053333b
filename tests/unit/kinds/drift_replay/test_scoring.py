"""drift_replay scores and flags are exactly evidently's (SPEC §4.1).

The oracle is evidently itself, called the documented way: one ``Report`` of ``ValueDrift``
metrics per window, on the rows of that window, with an explicit ``DataDefinition`` and
``include_tests=True`` for the drifted flag. Scores must agree to 1e-9 (relative), flags and
the automatically chosen method exactly; the shortcut for evidently's automatic choice
(asked once per distinct-value count up to ``MANY_DISTINCT``) must give evidently's answer.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from tests.conftest import Write

from closeout.kinds.drift_replay.scoring import MANY_DISTINCT, Cell
from closeout.loader import load_scenario
from closeout.project import load_project
from closeout.runner import ScenarioRun, run_loaded

START = pd.Timestamp("2025-07-01T00:00:00Z")
WINDOWS = 4
ROWS = 120
NUMERIC = ["x", "y", "b"]
CATEGORICAL = ["region", "flag"]


def reference_frame(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, rows)
    x[:3] = [np.nan, np.inf, -np.inf]  # evidently drops these before testing
    return pd.DataFrame(
        {
            "x": x,
            "y": rng.integers(0, 4, rows),  # 4 distinct values
            "b": rng.integers(0, 2, rows),  # binary numeric
            "region": rng.choice(["EU", "US", "APAC"], rows, p=[0.5, 0.3, 0.2]),
            "flag": rng.choice(["yes", "no"], rows),
        }
    )


def current_frame(seed: int) -> pd.DataFrame:
    """Four hourly windows: normal, one adding values to y, then two drifted ones."""
    rng = np.random.default_rng(seed)
    parts = []
    for k in range(WINDOWS):
        shift = k >= 2
        part = pd.DataFrame(
            {
                "ts": [
                    (START + pd.Timedelta(hours=k, seconds=int(s))).strftime("%Y-%m-%dT%H:%M:%SZ")
                    for s in np.sort(rng.integers(0, 3600, ROWS))
                ],
                "x": rng.normal(0.6 if shift else 0, 1, ROWS),
                # window 1 brings y values 4 and 5: 6 distinct with the reference, which
                # flips evidently's automatic choice for y
                "y": rng.integers(0, 6 if k == 1 else (4 if not shift else 3), ROWS),
                "b": rng.binomial(1, 0.8 if shift else 0.5, ROWS),
                "region": rng.choice(
                    ["EU", "US", "APAC"], ROWS, p=[0.2, 0.3, 0.5] if shift else [0.5, 0.3, 0.2]
                ),
                "flag": rng.choice(["yes", "no"], ROWS, p=[0.7, 0.3] if shift else [0.5, 0.5]),
            }
        )
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    frame.loc[5, "x"] = np.nan
    frame.loc[7, "x"] = np.inf
    return frame


@pytest.fixture
def data(project_dir: Path) -> dict[str, pd.DataFrame]:
    folder = project_dir / "fixtures" / "INC-1"
    folder.mkdir(parents=True)
    frames = {
        "reference": reference_frame(1500, 1),
        "small": reference_frame(400, 2),
        "incident": current_frame(3),
    }
    for name, frame in frames.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    # read back as closeout reads them, so the oracle sees the same values
    return {name: pd.read_csv(folder / f"{name}.csv") for name in frames}


def run_monitor(write: Write, monitor: str, reference: str = "reference") -> ScenarioRun:
    text = f"""\
action: A1
kind: drift_replay
reference: fixtures/INC-1/{reference}.csv
current: fixtures/INC-1/incident.csv
timestamp: ts
window: 1h
min_rows: 10
monitor: {monitor}
expect: {{no_alert_before_onset: false, fires_within: 3h}}
"""
    project = load_project()
    path = write("scenarios/INC-1/exact.yaml", text)
    return run_loaded(load_scenario(project, path), project, artifacts=False)


def evidently_window(
    reference: pd.DataFrame, window: pd.DataFrame, specs: list[tuple[str, Any, Any]]
) -> list[tuple[float, bool, str]]:
    """(score, drifted, method display name) per (column, method, threshold), by evidently."""
    from evidently import DataDefinition, Dataset, Report
    from evidently.metrics import ValueDrift

    columns = list(dict.fromkeys(c for c, _, _ in specs))
    definition = DataDefinition(
        numerical_columns=[c for c in columns if c in NUMERIC],
        categorical_columns=[c for c in columns if c in CATEGORICAL],
    )
    metrics = [ValueDrift(column=c, method=m, threshold=t) for c, m, t in specs]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        snapshot = Report(metrics, include_tests=True).run(
            Dataset.from_pandas(window[columns], data_definition=definition),
            Dataset.from_pandas(reference[columns], data_definition=definition),
        )
    result = snapshot.dict()
    status = {t["metric_config"]["metric_id"]: str(t["status"].value) for t in result["tests"]}
    return [
        (float(m["value"]), status[m["id"]] == "FAIL", str(m["config"]["method"]))
        for m in result["metrics"]
    ]


def display_name(method: str) -> str:
    from evidently.legacy.calculations.stattests.registry import _registered_stat_tests

    return str(next(iter(_registered_stat_tests[method].values())).display_name)


def assert_matches_evidently(
    run: ScenarioRun, reference: pd.DataFrame, incident: pd.DataFrame, specs: dict[str, Any]
) -> None:
    """Every window and column of ``run`` against evidently's ValueDrift on that window."""
    assert run.fixed.verdict != "error", run.fixed.error
    table = run.fixed.metrics["windows"]
    assert len(table) == WINDOWS
    times = pd.to_datetime(incident["ts"], utc=True)
    for row in table:
        rows = incident[(times >= row["start"]) & (times < row["end"])]
        assert row["rows"] == len(rows) == ROWS
        wanted = [(c, m, t) for c, (m, t) in specs.items()]
        expected = evidently_window(reference, rows, wanted)
        for (column, method, _), (score, drifted, name) in zip(wanted, expected, strict=True):
            cell = row["columns"][column]
            assert cell["score"] == pytest.approx(score, rel=1e-9, abs=0), (row["start"], column)
            assert cell["evidently_drifted"] is drifted, (row["start"], column)
            assert display_name(cell["method"]) == name or cell["method"] == method == name
            if method is not None:
                assert cell["method"] == method


@pytest.mark.parametrize(
    ("monitor", "specs"),
    [
        (
            "{columns: [x, y, b], method: ks, threshold: 0.01}",
            {"x": ("ks", 0.01), "y": ("ks", 0.01), "b": ("ks", 0.01)},
        ),
        (
            "{columns: [x, y, region], method: psi, threshold: 0.15}",
            {"x": ("psi", 0.15), "y": ("psi", 0.15), "region": ("psi", 0.15)},
        ),
        (
            "{columns: [x, y, b], method: wasserstein}",
            dict.fromkeys(NUMERIC, ("wasserstein", None)),
        ),
        (
            "{columns: [x, y, region, flag], method: jensenshannon, threshold: 0.05}",
            dict.fromkeys(["x", "y", "region", "flag"], ("jensenshannon", 0.05)),
        ),
        (
            "{columns: [region, flag], method: chisquare}",
            dict.fromkeys(CATEGORICAL, ("chisquare", None)),
        ),
    ],
    ids=["ks", "psi", "wasserstein", "jensenshannon", "chisquare"],
)
def test_scores_and_flags_equal_evidently_value_drift(
    write: Write, data: dict[str, pd.DataFrame], monitor: str, specs: dict[str, Any]
) -> None:
    run = run_monitor(write, monitor)
    assert_matches_evidently(run, data["reference"], data["incident"], specs)


@pytest.mark.parametrize("reference", ["reference", "small"], ids=["over-1000-rows", "small"])
def test_automatic_method_is_evidently_choice_per_window(
    write: Write, data: dict[str, pd.DataFrame], reference: str
) -> None:
    run = run_monitor(write, "{columns: [x, y, b, region, flag]}", reference)
    specs = dict.fromkeys(NUMERIC + CATEGORICAL, (None, None))
    assert_matches_evidently(run, data[reference], data["incident"], specs)
    methods = {
        (row["start"][11:13], c): cell["method"]
        for row in run.fixed.metrics["windows"]
        for c, cell in row["columns"].items()
    }
    if reference == "reference":  # FACTS.md: > 1000 rows -> wasserstein / jensenshannon
        assert methods[("00", "x")] == "wasserstein"
        assert methods[("00", "y")] == "jensenshannon"  # 4 distinct values
        assert methods[("01", "y")] == "wasserstein"  # 6 distinct values in this window
        assert methods[("00", "region")] == "jensenshannon"
    else:  # <= 1000 rows -> ks / chi-square / z
        assert methods[("00", "x")] == "ks"
        assert methods[("00", "y")] == "chisquare"
        assert methods[("00", "b")] == "z"
        assert methods[("00", "flag")] == "z"


def test_per_column_overrides_and_default_columns(
    write: Write, data: dict[str, pd.DataFrame]
) -> None:
    monitor = (
        "{method: ks, per_column: {region: {method: psi, threshold: 0.2}, "
        "flag: {method: jensenshannon}, b: {threshold: 0.2}}}"
    )
    run = run_monitor(write, monitor)
    specs = {
        "x": ("ks", None),
        "y": ("ks", None),
        "b": ("ks", 0.2),
        "region": ("psi", 0.2),
        "flag": ("jensenshannon", None),
    }
    assert list(run.fixed.metrics["columns"]) == ["x", "y", "b", "region", "flag"]
    assert_matches_evidently(run, data["reference"], data["incident"], specs)


def test_nullable_dtypes_are_cast_not_skipped(project_dir: Path, write: Write) -> None:
    rng = np.random.default_rng(5)
    reference = pd.DataFrame(
        {
            "amount": pd.array(rng.normal(100, 10, 300).round(1), dtype="Float64"),
            "count": pd.array(rng.integers(0, 50, 300), dtype="Int64"),
            "tier": pd.array(rng.choice(["a", "b", "c"], 300), dtype="string"),
            "vip": pd.array(rng.choice([True, False], 300), dtype="boolean"),
        }
    )
    reference.loc[[1, 2], :] = pd.NA
    times = [START + pd.Timedelta(minutes=int(m)) for m in np.sort(rng.integers(0, 120, 200))]
    current = pd.DataFrame(
        {
            "ts": times,
            "amount": pd.array(rng.normal(104, 10, 200).round(1), dtype="Float64"),
            "count": pd.array(rng.integers(0, 60, 200), dtype="Int64"),
            "tier": pd.array(rng.choice(["a", "b", "c", "d"], 200), dtype="string"),
            "vip": pd.array(rng.choice([True, False], 200), dtype="boolean"),
        }
    )
    current.loc[[0, 3, 150], ["amount", "count", "tier", "vip"]] = pd.NA
    folder = project_dir / "fixtures" / "INC-1"
    folder.mkdir(parents=True)
    reference.to_parquet(folder / "reference.parquet")
    current.to_parquet(folder / "incident.parquet")
    text = """\
action: A1
kind: drift_replay
reference: fixtures/INC-1/reference.parquet
current: fixtures/INC-1/incident.parquet
timestamp: ts
window: 1h
monitor: {method: psi, per_column: {amount: {method: ks}}}
"""
    project = load_project()
    run = run_loaded(
        load_scenario(project, write("scenarios/INC-1/n.yaml", text)), project, artifacts=False
    )
    assert run.fixed.verdict != "error", run.fixed.error
    metrics = run.fixed.metrics
    assert metrics["columns"]["count"]["type"] == "numeric"
    assert metrics["columns"]["vip"]["type"] == "categorical"
    # the oracle casts the same way by hand: nullable numbers to float64, the rest to object
    casts = {"amount": "float64", "count": "float64", "tier": object, "vip": object}
    ref = reference.astype(casts)
    cur = current.astype(casts)
    ref[["tier", "vip"]] = ref[["tier", "vip"]].where(reference[["tier", "vip"]].notna(), np.nan)
    cur[["tier", "vip"]] = cur[["tier", "vip"]].where(current[["tier", "vip"]].notna(), np.nan)
    specs = [
        ("amount", "ks", None),
        ("count", "psi", None),
        ("tier", "psi", None),
        ("vip", "psi", None),
    ]
    for row in metrics["windows"]:
        rows = cur[(cur["ts"] >= row["start"]) & (cur["ts"] < row["end"])]
        expected = evidently_window_typed(ref, rows, specs, ["amount", "count"], ["tier", "vip"])
        for (column, _, _), (score, drifted) in zip(specs, expected, strict=True):
            cell = row["columns"][column]
            assert math.isclose(cell["score"], score, rel_tol=1e-9), (row["start"], column)
            assert cell["evidently_drifted"] is drifted


def evidently_window_typed(
    reference: pd.DataFrame,
    window: pd.DataFrame,
    specs: list[tuple[str, Any, Any]],
    numeric: list[str],
    categorical: list[str],
) -> list[tuple[float, bool]]:
    from evidently import DataDefinition, Dataset, Report
    from evidently.metrics import ValueDrift

    definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
    columns = numeric + categorical
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        snapshot = Report(
            [ValueDrift(column=c, method=m, threshold=t) for c, m, t in specs], include_tests=True
        ).run(
            Dataset.from_pandas(window[columns].reset_index(drop=True), data_definition=definition),
            Dataset.from_pandas(reference[columns], data_definition=definition),
        )
    result = snapshot.dict()
    status = {t["metric_config"]["metric_id"]: str(t["status"].value) for t in result["tests"]}
    return [(float(m["value"]), status[m["id"]] == "FAIL") for m in result["metrics"]]


# --------------------------------------------------------------------------- automatic choice


def registry() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from evidently.legacy.calculations.stattests import registry as module
    return module


@pytest.mark.parametrize("reference_rows", [900, 1000, 1001, 5000])
@pytest.mark.parametrize("kind", ["num", "cat"])
def test_automatic_choice_is_constant_from_many_distinct_values_on(
    reference_rows: int, kind: str
) -> None:
    """closeout asks evidently once for every count >= MANY_DISTINCT: evidently must agree."""
    module = registry()
    column_type = module.ColumnType(kind)

    def choice(distinct: int) -> str:
        values = np.arange(reference_rows) % min(distinct, reference_rows)
        extra = np.arange(reference_rows, reference_rows + max(0, distinct - reference_rows))
        if kind == "cat":
            values, extra = values.astype(str), extra.astype(str)
        reference, current = pd.Series(values), pd.Series(extra)
        assert pd.concat([reference, current]).nunique() == distinct
        return str(module.get_stattest(reference, current, column_type, None).name)

    answers = {d: choice(d) for d in [MANY_DISTINCT, 65, 100, 999, 10_000, 100_000]}
    assert len(set(answers.values())) == 1, answers
    if reference_rows > 1000:  # FACTS.md
        assert answers[100] == ("wasserstein" if kind == "num" else "jensenshannon")
    else:
        assert answers[100] == ("ks" if kind == "num" else "chisquare")


def test_a_non_finite_score_stays_a_float_in_the_window_table() -> None:
    # the evidence layer writes NaN and infinities the one SPEC §15 way, not the kind
    cell = Cell("ks", 0.05, math.nan, False, True, adjusted=math.inf)
    row = cell.as_json()
    assert math.isnan(row["score"]) and row["adjusted_p_value"] == math.inf

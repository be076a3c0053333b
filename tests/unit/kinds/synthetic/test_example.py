"""The bundled synthetic example, INC-2025-058: fixtures, example code and its scenarios."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from closeout.callables import load_callable
from closeout.cli import main
from closeout.project import load_project

ROOT = Path(__file__).resolve().parents[4]
FIXTURES = ROOT / "fixtures" / "INC-2025-058"


def example(name: str) -> Any:
    """A function of the example package, imported the way the scenarios import it."""
    module, attribute = name.split(":")
    return load_callable(f"examples.ingest.{module}:{attribute}", load_project(ROOT))


def test_the_fixtures_are_what_the_script_writes(tmp_path: Path) -> None:
    script = ROOT / "scripts" / "make_synthetic_fixtures.py"
    done = subprocess.run(
        [sys.executable, str(script), "--output", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    for name in ("normal_batch.csv", "incident_rows.csv", "batch_metrics.csv"):
        assert (tmp_path / name).read_bytes() == (FIXTURES / name).read_bytes(), name


def test_the_fixtures_are_real_patients() -> None:
    from sklearn.datasets import load_diabetes

    real = load_diabetes(scaled=False, as_frame=True).frame
    batch = pd.read_csv(FIXTURES / "normal_batch.csv")
    merged = batch.merge(
        real.rename(columns={"s1": "tc", "s2": "ldl", "s3": "hdl", "s5": "ltg", "s6": "glu"}),
        on=["age", "bmi", "bp", "tc", "ldl", "hdl", "ltg", "glu"],
    )
    assert len(merged) == len(batch) == 20


def test_the_incident_rows_reproduce_the_incident() -> None:
    rows = pd.read_csv(FIXTURES / "incident_rows.csv")
    assert rows["glu"].max() < 10  # mmol/L
    assert rows["hdl"].isna().any() and (rows["hdl"] == 0).any()
    assert example("validators:check_lab_batch_v1")(rows) is True
    with pytest.raises(example("validators:LabBatchRejected"), match="glu outside"):
        example("validators:check_lab_batch")(rows)
    dropped = example("features:prepare_features_v1")(rows)
    assert len(dropped) == len(rows) - int(((rows["hdl"] == 0) | rows["hdl"].isna()).sum())
    fixed = example("features:prepare_features")(rows)
    assert fixed["patient_id"].tolist() == rows["patient_id"].tolist()
    assert np.isfinite(fixed["tch"]).all()


def test_a_normal_batch_passes_the_new_check() -> None:
    assert example("validators:check_lab_batch")(pd.read_csv(FIXTURES / "normal_batch.csv"))


def test_the_incident_lints_strictly(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--strict", str(ROOT / "scenarios" / "INC-2025-058")]) == 0
    assert "0 error(s), 0 warning(s)" in capsys.readouterr().err


@pytest.mark.slow
def test_every_scenario_of_the_incident_is_discriminating(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("CI", raising=False)
    code = main(["run", "--json", "--no-evidence", "INC-2025-058"])
    rows = json.loads(capsys.readouterr().out)["results"]
    assert code == 0
    assert {r["scenario"]: r["discriminating"] for r in rows} == {
        "a1-lab-batch-contract": True,
        "a2-features-keep-every-patient": True,
        "a3-glucose-unit-alert": True,
    }

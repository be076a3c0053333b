"""The bundled INC-2025-071 example: its registry built by its script, its scenario run.

The oracle is MLflow and scikit-learn called directly: both registered versions loaded with
``mlflow.pyfunc.load_model`` and scored with ``sklearn.metrics`` on the same rows.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pytest

from closeout.cli import main
from closeout.kinds.shadow import mlflow_model

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
INCIDENT = "INC-2025-071"
SCRIPT = ROOT / "scripts" / "make_meter_digits_fixtures.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_meter_digits_fixtures", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_shadow_data_is_what_the_script_makes() -> None:
    script = _script()
    _, test_x, _, test_y = script.split()
    made = script.shadow_cards(test_x, test_y)
    committed = pd.read_csv(ROOT / "fixtures" / INCIDENT / "shadow_cards.csv")
    pd.testing.assert_frame_equal(made.reset_index(drop=True), committed)


@pytest.fixture(scope="module")
def registry_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("meter-registry")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--registry", str(folder), "--skip-data"],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (folder / ".gitignore").read_text().splitlines()[-1] == "*"  # never committed
    return f"sqlite:///{folder / 'mlflow.db'}"


@pytest.fixture
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry_uri: str) -> Path:
    """A project holding only the example incident, with MLflow pointed at its registry."""
    (tmp_path / "pyproject.toml").write_text("[tool.closeout]\n")
    shutil.copytree(ROOT / "scenarios" / INCIDENT, tmp_path / "scenarios" / INCIDENT)
    (tmp_path / "fixtures" / INCIDENT).mkdir(parents=True)
    shutil.copy(ROOT / "fixtures" / INCIDENT / "shadow_cards.csv", tmp_path / "fixtures" / INCIDENT)
    # the incident's drift scenario (A3) is linted too: its scan logs and Report factories
    for log in (ROOT / "fixtures" / INCIDENT).glob("scan_log_*.parquet"):
        shutil.copy(log, tmp_path / "fixtures" / INCIDENT)
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    for name in ("CI", "CLOSEOUT_SIGNING_KEY", "CLOSEOUT_TRIGGER", "CLOSEOUT_ROOT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", registry_uri)
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    mlflow_model.clear_cache()
    return tmp_path


def _oracle(uri: str, cards: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Accuracy and log loss of each version on each slice, from MLflow and scikit-learn."""
    from sklearn.metrics import accuracy_score, log_loss

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import mlflow

        # A client bound to this registry: setting the global tracking URI would leak into
        # every later test in the same worker.
        client = mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)
        pixels = cards[[c for c in cards.columns if c.startswith("pixel_")]]
        found: dict[str, dict[str, float]] = {}
        for version in ("1", "2"):
            source = client.get_model_version_download_uri("meter-digits", version)
            proba = np.asarray(mlflow.pyfunc.load_model(source).predict(pixels))
            slices: dict[str, Any] = {
                "all": np.ones(len(cards), dtype=bool),
                "depot=harbour": (cards["depot"] == "harbour").to_numpy(),
                "depot=northgate|valley": cards["depot"].isin(["northgate", "valley"]).to_numpy(),
            }
            for key, rows in slices.items():
                y = cards["digit"].to_numpy()[rows]
                found.setdefault(key, {})[f"accuracy v{version}"] = accuracy_score(
                    y, proba[rows].argmax(axis=1)
                )
                found[key][f"log_loss v{version}"] = log_loss(y, proba[rows], labels=range(10))
    return found


@pytest.mark.drift  # INC-2025-071 also replays its evidently Report (A3)
def test_the_example_closes_on_registered_versions(
    example: Path, registry_uri: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lint", "--strict", "scenarios"]) == 0
    capsys.readouterr()
    code = main(["run", "--json", f"{INCIDENT}/A1"])
    out, err = capsys.readouterr()
    assert code == 0, err[-3000:]
    (row,) = json.loads(out)["results"]
    assert (row["verdict"], row["before_verdict"], row["discriminating"]) == ("pass", "fail", True)
    (path,) = (example / "reports" / INCIDENT / "evidence").glob("*.json")
    record = json.loads(path.read_text())
    cards = pd.read_csv(example / "fixtures" / INCIDENT / "shadow_cards.csv")
    oracle = _oracle(registry_uri, cards)
    for key, figures in oracle.items():
        table = record["metrics"]["slices"][key]["metrics"]
        assert table["accuracy"]["candidate"] == pytest.approx(figures["accuracy v2"])
        assert table["accuracy"]["baseline"] == pytest.approx(figures["accuracy v1"])
        if key == "all":
            assert table["log_loss"]["candidate"] == pytest.approx(figures["log_loss v2"])
    # the figures the postmortem's success criteria rest on
    harbour = oracle["depot=harbour"]
    assert harbour["accuracy v2"] >= 0.92 and harbour["accuracy v2"] - harbour["accuracy v1"] > 0.1
    candidate, baseline = (record["metrics"][r]["mlflow"] for r in ("candidate", "baseline"))
    assert (candidate["version"], baseline["version"]) == ("2", "1")
    assert record["before_metrics"]["candidate"]["mlflow"] == baseline
    assert len({candidate["run_id"], baseline["run_id"]}) == 2
    assert len({candidate["sha256"], baseline["sha256"]}) == 2


def test_without_a_registry_the_example_says_how_to_point_at_one(
    example: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    code = main(["run", "--json", f"{INCIDENT}/A1"])
    capsys.readouterr()
    assert code == 2
    (path,) = (example / "reports" / INCIDENT / "evidence").glob("*.json")
    error = json.loads(path.read_text())["error"]
    assert error.startswith(f"scenarios/{INCIDENT}/a1-shadow-v2.yaml:")
    assert "MLFLOW_TRACKING_URI is not set" in error

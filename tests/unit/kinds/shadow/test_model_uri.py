"""MLflow model references: the four forms, lint's static checks, the folder digest."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from tests.conftest import Write
from tests.unit.kinds.shadow.cases import SCENARIO

from closeout.errors import ScenarioError
from closeout.kinds.shadow.kind import KIND
from closeout.kinds.shadow.model_uri import folder_files, folder_sha256, parse_model_uri
from closeout.lint import lint
from closeout.loader import load_scenario
from closeout.project import load_project


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("models:/churn/2", {"scheme": "models", "name": "churn", "version": "2"}),
        ("models:/churn/02", {"scheme": "models", "name": "churn", "version": "2"}),
        ("models:/churn@champion", {"scheme": "models", "name": "churn", "alias": "champion"}),
        ("models:/credit risk.v2/7", {"name": "credit risk.v2", "version": "7"}),
        ("runs:/0a1b2c/model", {"scheme": "runs", "run_id": "0a1b2c", "path": "model"}),
        ("runs:/0a1b2c/sub/model/", {"run_id": "0a1b2c", "path": "sub/model"}),
        ("models/churn_v2", {"scheme": "local", "path": "models/churn_v2"}),
    ],
)
def test_the_four_forms_parse(text: str, fields: dict[str, str]) -> None:
    parsed = parse_model_uri(text)
    assert {key: getattr(parsed, key) for key in fields} == fields
    assert parsed.needs_registry == (parsed.scheme != "local")


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("models:/churn/latest", "is not a version number"),
        ("models:/churn/Production", "models:/churn@ALIAS"),
        ("models:/churn/0", "is not a version number"),
        ("models:/churn", "models:/NAME/VERSION or models:/NAME@ALIAS"),
        ("models:churn/2", "models:/NAME/VERSION"),
        ("runs:/0a1b2c", "runs:/RUN_ID/PATH"),
        ("s3://bucket/model", "the scheme 's3:' is not supported"),
        ("http://host/model", "set MLFLOW_TRACKING_URI"),
        ("   ", "empty model reference"),
    ],
)
def test_malformed_references_say_what_to_write(text: str, hint: str) -> None:
    with pytest.raises(ValueError, match=re.escape(hint)):
        parse_model_uri(text)


def _scenario(candidate: str) -> str:
    return SCENARIO.replace("CANDIDATE", candidate)


def test_a_malformed_uri_is_a_validation_error_at_its_line(project_dir: Path, write: Write) -> None:
    path = write("scenarios/INC-1/s.yaml", _scenario("{mlflow: 'models:/churn/latest'}"))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(load_project(), path)
    text = str(caught.value)
    assert "scenarios/INC-1/s.yaml:7" in text and "is not a version number" in text


def test_lint_checks_local_model_folders_statically(project_dir: Path, write: Write) -> None:
    write("fixtures/INC-1/traffic.csv", "churned,prod_score,region\n1,0.9,EU\n")
    write("models/empty/readme.txt", "not a model\n")
    write("scenarios/INC-1/a.yaml", _scenario("{mlflow: models/missing}"))
    write("scenarios/INC-1/b.yaml", _scenario("{mlflow: models/empty}"))
    write("scenarios/INC-1/c.yaml", _scenario("{mlflow: ../outside}"))
    write("scenarios/INC-1/d.yaml", _scenario("{mlflow: 'models:/churn/3'}"))
    report = lint(load_project(), [project_dir / "scenarios"])
    found = {
        (p.location.path.rsplit("/", 1)[-1], p.location.line): p.message for p in report.errors
    }
    assert "model folder 'models/missing' not found" in found[("a.yaml", 7)]
    assert "holds no MLmodel file" in found[("b.yaml", 7)]
    assert "outside the project root" in found[("c.yaml", 7)]
    # a registry URI is only parsed: lint asks no registry and imports no MLflow
    assert not any(name == "d.yaml" for name, _ in found)


def test_a_local_model_folder_is_code_its_files_are_hashed(project_dir: Path, write: Write) -> None:
    write("fixtures/INC-1/traffic.csv", "churned,prod_score,region\n1,0.9,EU\n")
    write("models/v2/MLmodel", "flavors: {}\n")
    write("models/v2/model.pkl", "weights\n")
    path = write("scenarios/INC-1/s.yaml", _scenario("{mlflow: models/v2}"))
    project = load_project()
    loaded = load_scenario(project, path)
    files = [project.display(p) for p in KIND.code_files(loaded.model, project)]
    assert files == ["models/v2/MLmodel", "models/v2/model.pkl"]


def test_folder_digest_is_the_coreutils_manifest_digest(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    (folder / "sub dir").mkdir(parents=True)
    (folder / "MLmodel").write_text("flavors: {}\n")
    (folder / "Zeta.bin").write_bytes(bytes(range(256)) * 4100)
    (folder / "sub dir" / "a.txt").write_text("ä\n")
    (folder / "sub dir" / "B.txt").write_text("")
    # the oracle: coreutils, exactly as the module docstring tells a reader to check it
    shell = "find . -type f -printf '%P\\n' | LC_ALL=C sort | xargs -d '\\n' sha256sum | sha256sum"
    if shutil.which("sha256sum") is None:
        pytest.skip("coreutils sha256sum is not installed")
    done = subprocess.run(
        ["bash", "-c", shell], cwd=folder, capture_output=True, text=True, check=True
    )
    assert folder_sha256(folder) == done.stdout.split()[0]
    assert [p.name for p in folder_files(folder)] == ["MLmodel", "Zeta.bin", "B.txt", "a.txt"]


def test_folder_digest_changes_with_any_byte_or_name(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "MLmodel").write_text("run_id: a\n")
    first = folder_sha256(folder)
    (folder / "MLmodel").write_text("run_id: b\n")
    second = folder_sha256(folder)
    (folder / "MLmodel").rename(folder / "MLmodel2")
    assert len({first, second, folder_sha256(folder)}) == 3

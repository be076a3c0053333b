"""Evidence records: canonical JSON, sha256, HMAC, atomic writes, triggers."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path

import pytest

from closeout import evidence
from closeout.errors import UsageError
from closeout.models.records import RunRecord
from closeout.project import Project


def sample_record(project: Project) -> dict[str, object]:
    record = evidence.envelope(project, "run", "INC-1", "A1")
    record.update(
        {
            "scenario": "s",
            "kind": "threshold",
            "verdict": "pass",
            "metrics": {"score": float("nan"), "note": "café"},
        }
    )
    return record


def test_sha256_is_over_the_canonical_json_without_hash_and_signature(tmp_path: Path) -> None:
    record = sample_record(Project(root=tmp_path))
    sealed = evidence.seal(evidence.json_safe(record), key="")
    body = {k: v for k, v in sealed.items() if k not in ("sha256", "signature")}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert sealed["sha256"] == hashlib.sha256(canonical).hexdigest()
    assert sealed["signature"] is None
    assert evidence.verify_sha256(sealed)


def test_signature_is_hmac_sha256_of_the_same_bytes(tmp_path: Path) -> None:
    sealed = evidence.seal(evidence.json_safe(sample_record(Project(root=tmp_path))), key="k3y")
    body = {k: v for k, v in sealed.items() if k not in ("sha256", "signature")}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert sealed["signature"] == hmac.new(b"k3y", canonical, hashlib.sha256).hexdigest()


def test_any_change_breaks_the_hash(tmp_path: Path) -> None:
    sealed = evidence.seal(evidence.json_safe(sample_record(Project(root=tmp_path))), key="")
    sealed["verdict"] = "fail"
    assert not evidence.verify_sha256(sealed)


def test_non_finite_numbers_become_the_spec_strings_so_the_record_is_strict_json() -> None:
    safe = evidence.json_safe({"a": [float("inf"), 1.5], "b": float("nan"), 3: (float("-inf"),)})
    assert safe == {"a": ["Infinity", 1.5], "b": "NaN", "3": ["-Infinity"]}


def test_write_is_atomic_and_named_by_time_scenario_and_id(tmp_path: Path) -> None:
    project = Project(root=tmp_path)
    path = evidence.write_record(project, sample_record(project), "s")
    assert path.parent == tmp_path / "reports" / "INC-1" / "evidence"
    assert path.name.endswith(".json") and "-s-" in path.name
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left
    assert evidence.verify_sha256(evidence.read_record(path))


def test_a_failed_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = Project(root=tmp_path)

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(evidence.EvidenceWriteError, match="No space left on device"):
        evidence.write_record(project, sample_record(project), "s")
    assert list((tmp_path / "reports" / "INC-1" / "evidence").iterdir()) == []


@pytest.mark.parametrize(
    ("env", "trigger"),
    [({}, "manual"), ({"CI": "true"}, "ci"), ({"CI": "true", "CLOSEOUT_TRIGGER": "gate"}, "gate")],
)
def test_trigger_comes_from_the_environment(
    env: dict[str, str], trigger: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("CLOSEOUT_TRIGGER", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert evidence.trigger_from_env() == trigger


def test_unknown_trigger_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOSEOUT_TRIGGER", "nightly")
    with pytest.raises(UsageError):
        evidence.trigger_from_env()


def test_git_state_reports_commit_and_dirty_flag(tmp_path: Path) -> None:
    import subprocess

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(tmp_path), *args], check=True, capture_output=True, text=True
        ).stdout.strip()

    git("init", "-q")
    git("-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "--allow-empty", "-m", "x")
    (tmp_path / "tracked.txt").write_text("1")
    git("add", "tracked.txt")
    git("-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "-m", "y")
    evidence.git_state.cache_clear()
    clean = evidence.git_state(tmp_path, "reports")
    assert clean == {"commit": git("rev-parse", "HEAD"), "dirty": False}
    (tmp_path / "tracked.txt").write_text("2")
    evidence.git_state.cache_clear()
    assert evidence.git_state(tmp_path, "reports")["dirty"] is True
    evidence.git_state.cache_clear()


def test_non_finite_metrics_reach_the_record_file_as_the_spec_strings(tmp_path: Path) -> None:
    project = Project(root=tmp_path)
    record = evidence.envelope(project, "run", "INC-1", "A1")
    record["metrics"] = {"auc": float("nan"), "bounds": (float("-inf"), float("inf"))}
    path = evidence.write_record(project, record, "s")
    assert evidence.read_record(path)["metrics"] == {
        "auc": "NaN",
        "bounds": ["-Infinity", "Infinity"],
    }


def test_a_record_model_and_its_dict_are_written_the_same(tmp_path: Path) -> None:
    project = Project(root=tmp_path)
    fields = sample_record(project) | {"trigger": "ci", "inputs": {"files": {"d.csv": "x"}}}
    model = evidence.build(RunRecord, fields)
    assert model.metrics["score"] == "NaN"
    by_model = evidence.write_record(project, model, "m", key="")
    by_dict = evidence.write_record(project, fields, "d", key="")
    assert by_model.read_bytes() == by_dict.read_bytes()


def test_the_packages_recorded_are_the_base_ones_and_each_kinds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    evidence.environment.cache_clear()
    builtin = set(evidence.environment()["packages"])
    assert builtin == {
        "closeout",
        "evidently",
        "pandas",
        "numpy",
        "scipy",
        "hypothesis",
        "pydantic",
        "pyyaml",
        "pytest",
    }
    monkeypatch.setattr(evidence, "kind_packages", lambda: ("numpy", "a-plugin-dependency"))
    evidence.environment.cache_clear()
    packages = evidence.environment()["packages"]
    assert list(packages) == [
        "closeout",
        "pydantic",
        "pyyaml",
        "pytest",
        "numpy",
        "a-plugin-dependency",
    ]
    assert packages["a-plugin-dependency"] is None
    evidence.environment.cache_clear()


def test_a_python_test_record_has_the_keys_of_a_scenario_run(tmp_path: Path) -> None:
    project = Project(root=tmp_path)
    test_file = tmp_path / "test_x.py"
    test_file.write_text("def test_x(): pass\n")
    record = evidence.pytest_record(
        project, "INC-1", "A1", "test_x", "test_x.py::test_x", test_file, False, 0.25, "ci", "E"
    )
    assert record["kind"] == "pytest" and record["verdict"] == "fail"
    assert record["inputs"]["code"] == {"test_x.py": record["inputs"]["scenario"]["sha256"]}
    unsealed = set(RunRecord.model_fields) - {"schema_version", "sha256", "signature"}
    assert set(record) == unsealed | {"schema"}

"""Evidence records: canonical JSON (RFC 8785), sha256, HMAC, prev, atomic writes, triggers."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from pathlib import Path

import pytest
import rfc8785
from tests.conftest import SCENARIO

from closeout import evidence
from closeout.errors import UsageError
from closeout.models.records import RunRecord
from closeout.project import Project
from closeout.runner import run_scenario_file


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


def unsealed(sealed: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in sealed.items() if k not in ("sha256", "signature")}


def test_sha256_is_over_the_rfc8785_form_without_hash_and_signature(tmp_path: Path) -> None:
    record = sample_record(Project(root=tmp_path)) | {"duration_s": 77.0, "é": 1, "z": 2}
    sealed = evidence.seal(evidence.json_safe(record), key="")
    assert sealed["schema"] == 2
    assert sealed["sha256"] == hashlib.sha256(rfc8785.dumps(unsealed(sealed))).hexdigest()
    assert sealed["signature"] is None
    assert evidence.verify_sha256(sealed)
    # RFC 8785 writes 77.0 as 77, which json.dumps does not: the two forms differ here.
    plain = json.dumps(unsealed(sealed), sort_keys=True, separators=(",", ":"))
    assert hashlib.sha256(plain.encode()).hexdigest() != sealed["sha256"]


def test_a_schema_1_record_keeps_the_part_1_canonical_form(tmp_path: Path) -> None:
    record = sample_record(Project(root=tmp_path)) | {"schema": 1, "duration_s": 77.0}
    sealed = evidence.seal(evidence.json_safe(record), key="")
    body = unsealed(sealed)
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert sealed["sha256"] == hashlib.sha256(canonical).hexdigest()


def test_signature_is_hmac_sha256_of_the_same_bytes(tmp_path: Path) -> None:
    sealed = evidence.seal(evidence.json_safe(sample_record(Project(root=tmp_path))), key="k3y")
    canonical = rfc8785.dumps(unsealed(sealed))
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
    fields = sample_record(Project(root=tmp_path))
    fields |= {"trigger": "ci", "inputs": {"files": {"d.csv": "x"}}}
    model = evidence.build(RunRecord, fields)
    assert model.metrics["score"] == "NaN"
    # Two projects: in one, the second record would name the first in `prev`.
    by_model = evidence.write_record(Project(root=tmp_path / "a"), model, "m", key="")
    by_dict = evidence.write_record(Project(root=tmp_path / "b"), fields, "m", key="")
    assert by_model.read_bytes() == by_dict.read_bytes()


def test_each_new_record_names_the_heads_it_saw_in_prev(tmp_path: Path) -> None:
    project = Project(root=tmp_path)
    first = evidence.read_record(evidence.write_record(project, sample_record(project), "a"))
    second = evidence.read_record(evidence.write_record(project, sample_record(project), "b"))
    assert (first["prev"], second["prev"]) == ([], [first["sha256"]])
    # Two writers that saw the same heads: both name them, and the next names both.
    folder = tmp_path / "reports" / "INC-1" / "evidence"
    twin = sample_record(project) | {"prev": [first["sha256"]]}
    third = evidence.read_record(evidence.write_record(project, twin, "c"))
    fourth = evidence.read_record(evidence.write_record(project, sample_record(project), "d"))
    assert fourth["prev"] == sorted([second["sha256"], third["sha256"]])
    assert len(list(folder.glob("*.json"))) == 4


def test_integers_beyond_the_double_range_are_written_as_strings(tmp_path: Path) -> None:
    project = Project(root=tmp_path)
    record = sample_record(project) | {"seed": 2**60, "metrics": {"n": [2**53 - 1, -(2**53)]}}
    written = evidence.read_record(evidence.write_record(project, record, "s"))
    assert written["seed"] == str(2**60)
    assert written["metrics"]["n"] == [2**53 - 1, str(-(2**53))]
    assert written["sha256"] == hashlib.sha256(rfc8785.dumps(unsealed(written))).hexdigest()


def test_the_next_writer_sweeps_temp_files_older_than_an_hour(tmp_path: Path) -> None:
    project = Project(root=tmp_path)
    folder = tmp_path / "reports" / "INC-1" / "evidence"
    folder.mkdir(parents=True)
    old, young = folder / ".tmp-0123456789abcdef.json", folder / ".tmp-fedcba9876543210.json"
    for path in (old, young):
        path.write_text('{"complete": "but never renamed"}')
    hour_ago = time.time() - 3601
    os.utime(old, (hour_ago, hour_ago))
    written = evidence.write_record(project, sample_record(project), "s")
    assert sorted(p.name for p in folder.iterdir()) == sorted([young.name, written.name])
    assert evidence.read_record(written)["prev"] == []  # the temp files were never records


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
    # `prev` is added when the record is written (it names the heads the writer sees).
    fields = set(RunRecord.model_fields) - {"schema_version", "sha256", "signature", "prev"}
    assert set(record) == fields | {"schema"}


def test_a_run_whose_record_cannot_be_written_leaves_no_orphan_chart(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """B27: on a full disk, no chart may stay behind for a run that has no record."""
    scenario = project_dir / "scenarios" / "INC-1" / "a1.yaml"
    scenario.write_text(SCENARIO)
    project = Project(root=project_dir)
    run = run_scenario_file(scenario, project)
    charts = run.fixed.artifacts + (run.before.artifacts if run.before else [])
    assert charts and all((project_dir / chart).is_file() for chart in charts)

    def full(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(evidence.EvidenceWriteError, match="No space left on device"):
        evidence.write_run(run, project, "manual", "a1")
    assert not any((project_dir / chart).exists() for chart in charts)
    assert list((project_dir / "reports" / "INC-1" / "evidence").glob("*.json")) == []

"""The CI workflow templates (.github/workflows, docs/ci.md): valid GitHub workflows with no
finding of zizmor's security audit, closeout installed explicitly and pip cached, least
permissions, shards matching the matrix; and the step that commits CI evidence to the default
branch, run as GitHub runs it (bash -eo pipefail) in a shallow clone of a temporary repository.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
GATE, RECUR = WORKFLOWS / "closeout-gate.yml", WORKFLOWS / "closeout-recur.yml"
COMMIT_STEP = "Commit the evidence to the default branch"
BOT = "github-actions[bot]"


def _workflow(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded


def _steps(path: Path) -> list[tuple[str, dict[str, Any]]]:
    return [(name, step) for name, job in _workflow(path)["jobs"].items() for step in job["steps"]]


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    assert found, f"{name} (in closeout's dev extra) is not installed"
    return found


def test_the_templates_are_valid_github_workflows() -> None:
    """SchemaStore's GitHub workflow schema, as vendored by check-jsonschema."""
    schema = [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows"]
    done = subprocess.run(
        [*schema, str(GATE), str(RECUR)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_zizmor_finds_no_security_problem() -> None:
    """Pinned actions, no credentials left for artifacts, no template injection."""
    done = subprocess.run(
        [_tool("zizmor"), "--offline", "--no-progress", "--format", "plain", str(WORKFLOWS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and "No findings" in done.stdout, done.stdout + done.stderr


@pytest.mark.parametrize("path", [GATE, RECUR], ids=["gate", "recur"])
def test_closeout_is_installed_explicitly_with_pip_cached(path: Path) -> None:
    extras = _project_extras()
    requirement = Requirement(_workflow(path)["env"]["CLOSEOUT_REQUIREMENT"])
    assert requirement.name == "closeout" and requirement.extras <= extras
    for job, step in _steps(path):
        if step.get("uses", "").startswith("actions/setup-python@"):
            assert step["with"]["cache"] == "pip", job
    # Every job installs closeout itself: the user's project may not depend on it.
    closeout = re.compile(r'pip install (closeout|"\$CLOSEOUT_REQUIREMENT")$', re.MULTILINE)
    installing = {job for job, step in _steps(path) if closeout.search(step.get("run", ""))}
    assert installing == set(_workflow(path)["jobs"])


def _project_extras() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return set(project["optional-dependencies"])


def test_only_the_commit_job_may_write_and_only_contents() -> None:
    for path in (GATE, RECUR):
        workflow = _workflow(path)
        assert workflow["permissions"] == {"contents": "read"}
        writers = {
            name: job["permissions"]
            for name, job in workflow["jobs"].items()
            if "permissions" in job
        }
        expected = {"commit-evidence": {"contents": "write"}} if path == RECUR else {}
        assert writers == expected


@pytest.mark.parametrize(
    ("path", "job", "command"), [(GATE, "gate", "gate"), (RECUR, "recur", "recur")]
)
def test_the_matrix_runs_every_shard_once(path: Path, job: str, command: str) -> None:
    workflow = _workflow(path)
    shards = int(workflow["env"]["SHARDS"])
    assert workflow["jobs"][job]["strategy"]["matrix"]["shard"] == list(range(1, shards + 1))
    [step] = [s for j, s in _steps(path) if j == job and f"closeout {command}" in s.get("run", "")]
    # The shard reaches the script through its environment, never pasted into its text.
    assert step["env"]["SHARD"] == "${{ matrix.shard }}"
    assert '--shard "$SHARD/$SHARDS"' in step["run"] and "--format github" in step["run"]


# --------------------------------------------------------------------- the commit step, run


def _commit_script() -> str:
    [run] = [
        s["run"]
        for j, s in _steps(RECUR)
        if j == "commit-evidence" and s.get("name") == COMMIT_STEP
    ]
    assert isinstance(run, str)
    return run


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=dev", "-c", "user.email=dev@example.org", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A bare "origin" whose main holds one evidence record, and a shallow clone of it (what
    actions/checkout makes)."""
    monkeypatch.setenv("HOME", str(tmp_path))  # no user or system git configuration
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    seed = tmp_path / "seed"
    (seed / "reports" / "INC-1" / "evidence").mkdir(parents=True)
    (seed / "reports" / "INC-1" / "evidence" / "old.json").write_text('{"id": "old"}\n')
    (seed / ".gitignore").write_text("reports/*\n!reports/README.md\n")
    _git(tmp_path, "init", "-q", "-b", "main", str(seed))
    _git(seed, "add", "--force", ".")
    _git(seed, "commit", "-q", "-m", "initial")
    origin = tmp_path / "origin.git"
    _git(tmp_path, "clone", "-q", "--bare", str(seed), str(origin))
    work = tmp_path / "work"
    _git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(work))
    return origin, work


def _run_step(work: Path, summary: Path) -> subprocess.CompletedProcess[str]:
    script = work.parent / "step.sh"
    script.write_text(_commit_script())
    env = os.environ | {
        "BRANCH": "main",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_RUN_ID": "4242",
        "GITHUB_WORKFLOW": "closeout recur",
    }
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _shard_output(work: Path) -> None:
    """What the downloaded shard artifacts leave in reports/: new records, the store's
    caches and locks, and (from a local run) charts and pages."""
    for incident, record in (("INC-1", "new-a"), ("INC-2", "new-b")):
        evidence = work / "reports" / incident / "evidence"
        evidence.mkdir(parents=True, exist_ok=True)
        (evidence / f"{record}.json").write_text(f'{{"id": "{record}"}}\n')
        (evidence / ".index.json").write_text("{}")
        (evidence / ".lock").write_text("")
    (work / "reports" / "index.html").write_text("<html></html>")
    (work / "reports" / "INC-1" / "artifacts").mkdir()
    (work / "reports" / "INC-1" / "artifacts" / "chart.svg").write_text("<svg/>")


def test_new_records_and_only_they_are_committed_as_the_bot(
    repo: tuple[Path, Path], tmp_path: Path
) -> None:
    origin, work = repo
    _shard_output(work)
    summary = tmp_path / "summary.md"
    done = _run_step(work, summary)
    assert done.returncode == 0, done.stdout + done.stderr
    files = _git(origin, "show", "--name-only", "--format=%an|%ae|%s", "main").splitlines()
    assert files[0] == (
        f"{BOT}|41898282+{BOT}@users.noreply.github.com|"
        "closeout: 2 evidence record(s) from closeout recur run 4242"
    )
    assert sorted(f for f in files[1:] if f) == [
        "reports/INC-1/evidence/new-a.json",
        "reports/INC-2/evidence/new-b.json",
    ]
    assert (
        f"Committed 2 evidence record(s) to main as {_git(origin, 'rev-parse', '--short', 'main')}"
        in (summary.read_text())
    )


def test_a_commit_pushed_meanwhile_is_rebased_onto(repo: tuple[Path, Path], tmp_path: Path) -> None:
    origin, work = repo
    other = tmp_path / "other"
    _git(tmp_path, "clone", "-q", str(origin), str(other))
    (other / "code.py").write_text("print('fix')\n")
    _git(other, "add", "code.py")
    _git(other, "commit", "-q", "-m", "a fix merged during the nightly run")
    _git(other, "push", "-q", "origin", "main")
    _shard_output(work)
    done = _run_step(work, tmp_path / "summary.md")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "push rejected (attempt 1)" in done.stdout
    log = _git(origin, "log", "--format=%s", "main").splitlines()
    assert log == [
        "closeout: 2 evidence record(s) from closeout recur run 4242",
        "a fix merged during the nightly run",
        "initial",
    ]


def test_nothing_new_commits_nothing(repo: tuple[Path, Path], tmp_path: Path) -> None:
    origin, work = repo
    head = _git(origin, "rev-parse", "main")
    (work / "reports" / "INC-1" / "evidence" / ".index.json").write_text("{}")
    summary = tmp_path / "summary.md"
    done = _run_step(work, summary)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _git(origin, "rev-parse", "main") == head
    assert summary.read_text() == "No new evidence records.\n"


def test_a_rewritten_record_is_refused(repo: tuple[Path, Path], tmp_path: Path) -> None:
    origin, work = repo
    head = _git(origin, "rev-parse", "main")
    _shard_output(work)
    (work / "reports" / "INC-1" / "evidence" / "old.json").write_text('{"id": "forged"}\n')
    done = _run_step(work, tmp_path / "summary.md")
    assert done.returncode == 1
    assert "::error::evidence records differ from their committed copies" in done.stdout
    assert "reports/INC-1/evidence/old.json" in done.stdout
    assert _git(origin, "rev-parse", "main") == head

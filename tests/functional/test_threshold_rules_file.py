"""``threshold`` against a Prometheus rule file through the real CLI: the bundled example
INC-2025-063 (its monitoring repository built by its fixture generator in a temporary copy),
and every bad input the issue lists, each exit 2 with ``file:line`` and no traceback."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from closeout.cli import main

ROOT = Path(__file__).resolve().parents[2]
INCIDENT = "INC-2025-063"
GENERATOR = ROOT / "scripts" / "make_prometheus_fixtures.py"
RULES = f"fixtures/{INCIDENT}/monitoring/alerts/cultivar-check.yml"
SETUP = "python scripts/make_prometheus_fixtures.py --monitoring-only"
A1 = f"scenarios/{INCIDENT}/a1-fallback-share-alert.yaml"

pytestmark = [
    pytest.mark.promtool,
    pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed"),
]


def copy_example(target: Path, *, monitoring: bool = True) -> Path:
    """The example incident alone in a project at ``target`` (a fresh clone's view of it)."""
    target.mkdir(parents=True)
    (target / "pyproject.toml").write_text("[tool.closeout]\n")
    shutil.copytree(ROOT / "scenarios" / INCIDENT, target / "scenarios" / INCIDENT)
    (target / "fixtures" / INCIDENT).mkdir(parents=True)
    shutil.copy(ROOT / "fixtures" / INCIDENT / "metrics.csv", target / "fixtures" / INCIDENT)
    if monitoring:
        build_monitoring(target / "fixtures" / INCIDENT / "monitoring")
    return target


def build_monitoring(folder: Path) -> None:
    subprocess.run(
        [sys.executable, str(GENERATOR), "--monitoring-only", "--monitoring", str(folder)],
        check=True,
        capture_output=True,
    )


def git(folder: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True)
    return done.stdout.decode().strip()


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    text = out + err
    assert "Traceback" not in text, text
    return code, text


@pytest.fixture
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = copy_example(tmp_path / "project")
    monkeypatch.chdir(project)
    monkeypatch.delenv("CLOSEOUT_ROOT", raising=False)
    monkeypatch.delenv("CLOSEOUT_PROMTOOL", raising=False)
    return project


@pytest.mark.slow
def test_the_example_passes_discriminates_and_records_the_rules_it_read(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "lint", "--strict")[0] == 0
    code, out = cli(capsys, "run", "--json")
    assert code == 0, out
    rows = {r["scenario"]: r for r in json.loads(out[: out.rindex("}") + 1])["results"]}
    assert {
        name: (r["verdict"], r["before_verdict"], r["discriminating"]) for name, r in rows.items()
    } == {
        "a1-fallback-share-alert": ("pass", "fail", True),
        "a2-lab-incomplete-assays": ("pass", "fail", True),
    }
    (record,) = [
        json.loads(p.read_text())
        for p in (example / "reports" / INCIDENT / "evidence").glob("*a1-fallback*.json")
    ]
    repo = example / "fixtures" / INCIDENT / "monitoring"
    fixed_bytes = (example / RULES).read_bytes()
    old_bytes = subprocess.run(
        ["git", "-C", str(repo), "show", "v1.4.0:alerts/cultivar-check.yml"],
        check=True,
        capture_output=True,
    ).stdout
    assert record["inputs"]["files"][RULES] == hashlib.sha256(fixed_bytes).hexdigest()
    assert record["metrics"]["engine"] == "promtool"
    assert record["metrics"]["rules_file"] == {
        "path": RULES,
        "sha256": hashlib.sha256(fixed_bytes).hexdigest(),
    }
    assert record["before_metrics"]["rules_file"] == {
        "path": RULES,
        "rev": "v1.4.0",
        "commit": git(repo, "rev-parse", "v1.4.0^{commit}"),
        "sha256": hashlib.sha256(old_bytes).hexdigest(),
    }


def test_a_fresh_clone_is_told_which_command_builds_the_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(copy_example(tmp_path / "project", monitoring=False))
    code, out = cli(capsys, "lint")
    assert code == 2
    assert f"{A1}:25: rules_file: rule file '{RULES}' not found; create it with `{SETUP}`" in out


def test_a_missing_revision_names_the_repository_and_the_command(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(example / "fixtures" / INCIDENT / "monitoring", "tag", "-d", "v1.4.0")
    code, out = cli(capsys, "lint", A1)
    assert code == 2
    assert (
        f"{A1}:39: before.rules_file: revision 'v1.4.0' does not exist in the git repository "
        f"fixtures/{INCIDENT}/monitoring; create it with `{SETUP}`"
    ) in out


@pytest.mark.parametrize(
    ("rules", "line", "message"),
    [
        ("- alert: CultivarCheckDegraded\n  expr: up == 0\n", 1, "not a Prometheus rule file"),
        (
            "groups:\n  - name: g\n    rules:\n      - alert: X\n        expr: rate(x[5m) > 1\n",
            5,
            'promtool check rules: group "g", rule 1, "X": could not parse expression',
        ),
        (
            "groups:\n  - name: g\n    rules:\n      - alert: X\n        exp: up\n",
            5,
            "groups[0].rules[0]: unknown key 'exp' (did you mean 'expr'?)",
        ),
    ],
)
def test_a_broken_rule_file_is_located_in_the_rule_file(
    example: Path, capsys: pytest.CaptureFixture[str], rules: str, line: int, message: str
) -> None:
    (example / RULES).write_text(rules)
    code, out = cli(capsys, "lint", A1)
    assert code == 2 and f"{RULES}:{line}: {message}" in out, out
    code, out = cli(capsys, "run", A1, "--no-evidence")
    assert code == 2 and f"{RULES}:{line}: {message}" in out, out


def test_an_alert_missing_from_the_file_is_named_with_a_suggestion(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = example / A1
    path.write_text(
        path.read_text().replace(
            "alerts: [CultivarCheckDegraded]", "alerts: [CultivarCheckDegradd]"
        )
    )
    code, out = cli(capsys, "lint", A1)
    assert code == 2
    assert (
        f"{A1}:28: alerts[0]: no alert 'CultivarCheckDegradd' in {RULES} (did you mean "
        "'CultivarCheckDegraded'?)"
    ) in out


def test_promtool_missing_where_needed_is_an_error_naming_the_expression(
    example: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = example / "bin"
    bin_dir.mkdir()
    os.symlink(shutil.which("git") or "/usr/bin/git", bin_dir / "git")
    monkeypatch.setenv("PATH", str(bin_dir))
    assert cli(capsys, "lint", A1)[0] == 0  # lint cannot check the PromQL, and says nothing
    code, out = cli(capsys, "run", A1, "--no-evidence")
    assert code == 2
    assert (
        f"{A1}:25: CultivarCheckDegraded: '(" in out
        and "is beyond closeout's subset: it needs promtool, which is not on PATH" in out
    )


def test_the_example_exports_to_a_promtool_test_that_passes(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = cli(capsys, "export", "promtool", INCIDENT, "-o", "exported")
    assert code == 0, out
    folder = example / "exported"
    assert (folder / "a1-fallback-share-alert.rules.yml").read_bytes() == (
        example / RULES
    ).read_bytes()
    done = subprocess.run(
        ["promtool", "test", "rules", *sorted(p.name for p in folder.glob("*.test.yml"))],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("SUCCESS") == 2

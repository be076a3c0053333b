"""A kind from another distribution works like a built-in one (SPEC §10, third-party kinds).

The test writes a tiny distribution, ``closeout-latency``: one package with one module
(``kind.py``) and one entry point in the group ``closeout.kinds``. It installs it with pip
into a folder of its own, then drives a project with a ``latency`` scenario through the real
command line, as separate processes: ``lint``, ``run``, plain ``pytest``, ``status``,
``report``. Nothing in closeout names the kind.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import POSTMORTEM

pytestmark = pytest.mark.slow

DOCS = Path(__file__).resolve().parents[2] / "docs" / "kinds.md"


def _documented(language: str, first_line: str) -> str:
    """The fenced block of ``docs/kinds.md`` in ``language`` that starts with ``first_line``:
    the page's example is the code this test installs, so the two cannot drift apart."""
    blocks = re.findall(rf"^```{language}\n(.*?)^```$", DOCS.read_text(), re.M | re.S)
    return next(block for block in blocks if block.startswith(first_line))


ENTRY_POINT = _documented("toml", '[project.entry-points."closeout.kinds"]')
KIND_MODULE = _documented("python", "from __future__ import annotations")
SCENARIO = _documented("yaml", "action: A1\nkind: latency")

PYPROJECT = f"""\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "closeout-latency"
version = "0.3.1"
description = "A closeout kind: is the p95 latency of a sample within its budget?"
requires-python = ">=3.11"
dependencies = ["closeout"]

[tool.setuptools]
packages = ["closeout_latency"]

{ENTRY_POINT}"""

#: Every file of the distribution, relative to its folder: what adding a kind takes.
DISTRIBUTION = {
    "pyproject.toml": PYPROJECT,
    "closeout_latency/__init__.py": '"""closeout-latency: a third-party closeout kind."""\n',
    "closeout_latency/kind.py": f'"""The ``latency`` kind: p95 within budget."""\n\n{KIND_MODULE}',
}


def _latencies(low: int, high: int) -> str:
    return "latency_ms\n" + "".join(f"{low + (high - low) * i // 99}\n" for i in range(100))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The distribution, built and installed with pip into a folder of its own."""
    root = tmp_path_factory.mktemp("external-kind")
    dist = root / "closeout-latency"
    for relative, text in DISTRIBUTION.items():
        (dist / relative).parent.mkdir(parents=True, exist_ok=True)
        (dist / relative).write_text(text, encoding="utf-8")
    target = root / "site"
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
    pip += ["--no-build-isolation", "--no-index", "--target", str(target), str(dist)]
    done = subprocess.run(pip, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return target


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.closeout]\n", encoding="utf-8")
    incident = tmp_path / "scenarios" / "INC-1"
    incident.mkdir(parents=True)
    (incident / "postmortem.yaml").write_text(POSTMORTEM, encoding="utf-8")
    (incident / "a1-p95-within-budget.yaml").write_text(SCENARIO, encoding="utf-8")
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "after.csv").write_text(_latencies(80, 240), encoding="utf-8")
    (tmp_path / "fixtures" / "before.csv").write_text(_latencies(90, 900), encoding="utf-8")
    return tmp_path


def _env(site: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CLOSEOUT_", "PYTEST_")) and k not in ("CI", "PYTHONPATH")
    }
    return env | {"PYTHONPATH": str(site), "DO_NOT_TRACK": "1"}


def _run(project: Path, site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=project,
        env=_env(site),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _closeout(project: Path, site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return _run(project, site, "-m", "closeout", *args)


def test_the_distribution_is_one_package_and_one_entry_point(site: Path) -> None:
    entry_points = next(site.glob("closeout_latency-*.dist-info")) / "entry_points.txt"
    assert entry_points.read_text().split() == [
        "[closeout.kinds]",
        "latency",
        "=",
        "closeout_latency.kind:KIND",
    ]
    assert sorted(DISTRIBUTION) == [
        "closeout_latency/__init__.py",
        "closeout_latency/kind.py",
        "pyproject.toml",
    ]


def test_an_installed_kind_lints_runs_and_closes_like_a_built_in_one(
    site: Path, project: Path
) -> None:
    lint = _closeout(project, site, "lint", "--strict")
    assert (lint.returncode, lint.stdout) == (0, ""), lint.stderr

    run = _closeout(project, site, "run", "--json")
    assert run.returncode == 0, run.stdout + run.stderr
    rows = json.loads(run.stdout)["results"]
    assert [(r["kind"], r["verdict"], r["before_verdict"], r["discriminating"]) for r in rows] == [
        ("latency", "pass", "fail", True)
    ]
    record = json.loads((project / rows[0]["evidence"]).read_text())
    assert record["kind"] == "latency"
    assert record["metrics"] == {"p95_ms": 231.1, "budget_ms": 250.0, "samples": 100}
    assert sorted(record["inputs"]["files"]) == ["fixtures/after.csv", "fixtures/before.csv"]

    plain = _run(project, site, "-m", "pytest", "scenarios", "-p", "no:cacheprovider", "-v")
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert "a1-p95-within-budget.yaml::a1-p95-within-budget PASSED" in plain.stdout

    status = _closeout(project, site, "status", "--json")
    assert status.returncode == 0, status.stderr
    assert [(s["action"], s["state"]) for s in json.loads(status.stdout)] == [("A1", "verified")]

    report = _closeout(project, site, "report")
    assert report.returncode == 0, report.stdout + report.stderr
    page = (project / "reports" / "INC-1" / "postmortem.md").read_text()
    assert "a1-p95-within-budget" in page and "latency" in page
    assert "p95 latency" in page and "231.1 ms" in page and "250 ms" in page

    # The kind's distribution shapes its verdicts: its version is recorded with the run.
    assert record["environment"]["packages"]["closeout-latency"] == "0.3.1"


def test_a_mistyped_installed_kind_gets_a_suggestion(site: Path, project: Path) -> None:
    scenario = project / "scenarios" / "INC-1" / "a1-p95-within-budget.yaml"
    scenario.write_text(SCENARIO.replace("kind: latency", "kind: latncy"), encoding="utf-8")
    lint = _closeout(project, site, "lint")
    assert lint.returncode == 2
    assert (
        "scenarios/INC-1/a1-p95-within-budget.yaml:2: kind: unknown kind 'latncy' "
        "(did you mean 'latency'?); kinds: drift_replay, latency, shadow, synthetic, threshold"
    ) in lint.stdout


def test_the_installed_kind_is_in_the_scenario_schema(site: Path, project: Path) -> None:
    schema = _closeout(project, site, "schema", "scenario")
    assert schema.returncode == 0, schema.stderr
    kinds = {
        definition["properties"]["kind"].get("const")
        for definition in json.loads(schema.stdout)["$defs"].values()
        if "kind" in definition.get("properties", {})
    }
    assert {"latency", "threshold"} <= kinds


def test_without_the_distribution_the_kind_is_unknown(project: Path, tmp_path: Path) -> None:
    lint = _closeout(project, tmp_path / "empty-site", "lint")
    assert lint.returncode == 2 and "unknown kind 'latency'" in lint.stdout

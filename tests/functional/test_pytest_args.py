"""``closeout run|gate|recur ... -- PYTEST_ARGS`` reach pytest, and a project's ``addopts``
can never switch evidence off for closeout's own commands (SPEC §16)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import SCENARIO, Write

from closeout.cli import main

FAILING = SCENARIO.replace("first_fires_at: 1h15m", "first_fires_at: 1h10m")
NO_EVIDENCE = '"--closeout-no-evidence"'


def evidence(project: Path) -> list[Path]:
    """The run records of the scenario ``alpha``."""
    folder = project / "reports" / "INC-1" / "evidence"
    return sorted(
        p for p in folder.glob("*.json") if not p.name.startswith(".") and "alpha" in p.name
    )


def ran(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    """Run closeout with --json; the exit code and the scenarios that ran."""
    code = main([*argv])
    rows = json.loads(capsys.readouterr().out)["results"]
    return code, sorted(r["scenario"] for r in rows)


def test_k_selects_scenarios(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("scenarios/INC-1/alpha.yaml", SCENARIO)
    write("scenarios/INC-1/beta.yaml", SCENARIO)
    assert ran(capsys, "run", "--json", "--no-evidence", "--", "-k", "beta") == (0, ["beta"])


def test_x_stops_at_the_first_failure(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("scenarios/INC-1/alpha.yaml", FAILING)
    write("scenarios/INC-1/beta.yaml", FAILING)
    assert ran(capsys, "run", "--json", "--no-evidence")[1] == ["alpha", "beta"]
    assert ran(capsys, "run", "--json", "--no-evidence", "--", "-x") == (1, ["alpha"])


def test_lf_reruns_only_what_failed_last(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("scenarios/INC-1/alpha.yaml", SCENARIO)
    write("scenarios/INC-1/beta.yaml", FAILING)
    # With pytest arguments pytest keeps its cache, so --lf finds what failed.
    assert ran(capsys, "run", "--json", "--no-evidence", "--", "-q")[1] == ["alpha", "beta"]
    assert ran(capsys, "run", "--json", "--no-evidence", "--", "--lf") == (1, ["beta"])


def test_gate_and_recur_pass_arguments_too(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("scenarios/INC-1/alpha.yaml", SCENARIO)  # tagged regression: gated
    write("scenarios/INC-1/beta.yaml", SCENARIO)
    assert ran(capsys, "gate", "--json", "--", "-k", "alpha") == (0, ["alpha"])
    assert main(["run", "--json"]) == 0
    assert main(["close", "INC-1", "A1", "--by", "sam", "--json"]) == 0
    capsys.readouterr()
    assert ran(capsys, "recur", "--json", "--", "-k", "beta") == (0, ["beta"])


def test_a_double_dash_elsewhere_keeps_its_argparse_meaning(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("scenarios/INC-1/alpha.yaml", SCENARIO)
    assert main(["search", "--json", "--", "-alert"]) == 0
    assert json.loads(capsys.readouterr().out)["query"] == "-alert"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "config"),
    [
        (
            "pyproject.toml",
            f"[tool.closeout]\n\n[tool.pytest.ini_options]\naddopts = {NO_EVIDENCE}\n",
        ),
        ("pytest.ini", "[pytest]\naddopts = --closeout-no-evidence\n"),
    ],
)
def test_addopts_cannot_switch_evidence_off_for_closeout_commands(
    name: str,
    config: str,
    project_dir: Path,
    write: Write,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write(name, config)
    write("scenarios/INC-1/alpha.yaml", SCENARIO)
    # Plain pytest keeps honouring the project's addopts: no evidence.
    plain = subprocess.run(
        [sys.executable, "-m", "pytest", "scenarios", "-q", "-p", "no:cacheprovider"],
        cwd=project_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert evidence(project_dir) == []
    # closeout run --no-evidence is the one way to run without it.
    assert main(["run", "--no-evidence", "--json"]) == 0
    assert evidence(project_dir) == []
    assert main(["run", "--json"]) == 0
    assert len(evidence(project_dir)) == 1
    assert main(["gate", "--json"]) == 0
    assert len(evidence(project_dir)) == 2
    assert main(["close", "INC-1", "A1", "--by", "sam", "--json"]) == 0
    assert main(["recur", "--json"]) == 0
    triggers = [json.loads(p.read_text())["trigger"] for p in evidence(project_dir)]
    assert sorted(triggers) == ["gate", "manual", "scheduled"]
    # Even pytest arguments naming the option cannot, except through --no-evidence.
    capsys.readouterr()
    assert main(["run", "--json", "--", "--closeout-no-evidence"]) == 0
    assert len(evidence(project_dir)) == 4


def test_no_evidence_after_the_separator_is_ignored_and_said(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("scenarios/INC-1/alpha.yaml", SCENARIO)
    assert main(["run", "--json", "--", "--closeout-no-evidence"]) == 0
    _, err = capsys.readouterr()
    assert len(evidence(project_dir)) == 1
    assert "--closeout-no-evidence after -- is ignored" in err
    assert "closeout run --no-evidence" in err

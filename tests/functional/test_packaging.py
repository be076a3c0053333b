"""The core install (SPEC §10): ``pip install closeout`` into a fresh venv, nothing else.

The package is installed the ordinary way (``python -m venv``, then ``pip install`` of the
package's sources, from pip's configured index) into a new virtual environment, and the
core's commands run there on bundled example incidents: INC-2025-031 (threshold only) and one
incident of each kind whose extra is not installed (drift_replay, shadow, synthetic).
Installing takes about half a minute with a warm pip cache: every test of this module shares
the one environment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
THRESHOLD_INCIDENT = "INC-2025-031"
# A scenario of each kind beyond the core: (incident, scenario file, kind, extra).
NEEDS_EXTRA = [
    ("INC-2025-047", "a1-lab-input-drift", "drift_replay", "drift"),
    ("INC-2025-052", "a1-shadow-v33", "shadow", "shadow"),
    ("INC-2025-058", "a1-lab-batch-contract", "synthetic", "synthetic"),
]
EXTRA_MODULES = ("evidently", "scipy", "sklearn", "hypothesis", "duckdb", "mlflow")


@dataclass(frozen=True)
class CoreEnv:
    """A venv holding closeout's core install, and a project of two example incidents."""

    venv: Path
    project: Path
    env: dict[str, str]

    def closeout(self, *args: str, importtime: bool = False) -> subprocess.CompletedProcess[str]:
        python = [str(self.venv / "bin" / "python"), *(["-X", "importtime"] if importtime else [])]
        return subprocess.run(
            [*python, "-m", "closeout", *args],
            cwd=self.project,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


def _sources(into: Path) -> Path:
    """The package's sources (what an sdist holds), without caches or build output."""
    into.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, into / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    shutil.copytree(ROOT / "src", into / "src", ignore=ignore)
    return into


def _example_project(into: Path) -> Path:
    """A project holding bundled incidents, their fixtures and the example code they call,
    with the default configuration."""
    (into / "scenarios").mkdir(parents=True)
    (into / "pyproject.toml").write_text("[tool.closeout]\n")
    for incident in (THRESHOLD_INCIDENT, *(row[0] for row in NEEDS_EXTRA)):
        shutil.copytree(ROOT / "scenarios" / incident, into / "scenarios" / incident)
        shutil.copytree(ROOT / "fixtures" / incident, into / "fixtures" / incident)
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "examples", into / "examples", ignore=ignore)
    return into


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> CoreEnv:
    """``python -m venv`` and ``pip install <closeout>``: the core, no extra."""
    base = tmp_path_factory.mktemp("core")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLOSEOUT_", "VIRTUAL_ENV"))}
    env |= {"PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", "DO_NOT_TRACK": "1"}
    env.pop("CI", None)
    installed = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(_sources(base / "src"))],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    return CoreEnv(venv, _example_project(base / "project"), env)


def test_the_core_installs_no_module_of_an_extra(core: CoreEnv) -> None:
    probe = (
        "import importlib.util as u, json, sys; "
        "print(json.dumps({m: u.find_spec(m) is not None for m in sys.argv[1:]}))"
    )
    done = subprocess.run(
        [str(core.venv / "bin" / "python"), "-c", probe, *EXTRA_MODULES, "pandas", "pyarrow"],
        env=core.env,
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(done.stdout)
    assert found == dict.fromkeys(EXTRA_MODULES, False) | {"pandas": True, "pyarrow": True}


def _ok(done: subprocess.CompletedProcess[str], code: int = 0) -> str:
    output = done.stdout + done.stderr
    assert done.returncode == code, output[-3000:]
    assert "Traceback" not in output and "internal error" not in output, output[-3000:]
    return output


def test_lint_run_status_close_verify_report_in_the_core(core: CoreEnv) -> None:
    lint = _ok(core.closeout("lint", "scenarios"))
    assert "0 error(s)" in lint  # every kind's scenarios are valid without their extras
    for _, name, kind, extra in NEEDS_EXTRA:
        [warning] = [line for line in lint.splitlines() if f"{name}.yaml:" in line]
        assert f"warning: kind: {kind} needs closeout[{extra}]: pip install " in warning
    run = _ok(core.closeout("run", f"scenarios/{THRESHOLD_INCIDENT}"))
    assert "4 passed" in run
    status = _ok(core.closeout("status", THRESHOLD_INCIDENT)).splitlines()
    [row] = [line.split() for line in status if line.split()[:2] == [THRESHOLD_INCIDENT, "A2"]]
    assert "verified" in row
    closed = _ok(core.closeout("close", THRESHOLD_INCIDENT, "A2", "--by", "sam"))
    assert f"closed {THRESHOLD_INCIDENT} A2" in closed
    assert "0 problem(s)" in _ok(core.closeout("verify"))
    _ok(core.closeout("report"))
    page = (core.project / "reports" / THRESHOLD_INCIDENT / "index.html").read_text()
    assert "a2-review-rate-alert" in page


@pytest.mark.parametrize(("incident", "name", "kind", "extra"), NEEDS_EXTRA)
def test_a_scenario_whose_extra_is_missing_is_an_error_naming_it(
    core: CoreEnv, incident: str, name: str, kind: str, extra: str
) -> None:
    needs = f"{kind} needs closeout[{extra}]: pip install 'closeout[{extra}]'"
    output = _ok(core.closeout("run", f"scenarios/{incident}/{name}.yaml"), code=2)
    assert needs in output
    [record] = (core.project / "reports" / incident / "evidence").glob(f"*-{name}-*.json")
    evidence = json.loads(record.read_text())
    assert (evidence["verdict"], evidence["before_verdict"]) == ("error", "error")
    assert evidence["error"].startswith(needs)


@pytest.mark.parametrize(
    "argv",
    [["lint", "scenarios"], ["status"], ["verify"], ["report"], ["search", "drift"], ["metrics"]],
)
def test_commands_that_run_no_scenario_import_no_data_library(
    core: CoreEnv, argv: list[str]
) -> None:
    done = core.closeout(*argv, importtime=True)
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "closeout" in loaded
    heavy = {"pandas", "numpy", "pyarrow", *EXTRA_MODULES}
    if argv[0] == "lint":
        # Lint checks column names against the examples' Parquet schemas (issue 15), read
        # with pyarrow (a core dependency, which loads NumPy); never pandas or the data.
        heavy -= {"pyarrow", "numpy"}
    assert not loaded & heavy

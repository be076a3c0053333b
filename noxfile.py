"""Developer sessions: tests, lint, demo, gate, recur, report, bench. `nox -l` lists them."""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.reuse_venv = "yes"
# uv installs .[dev] in seconds where pip takes minutes, and its cache makes every further
# session's install nearly free; plain virtualenv + pip when uv is not installed.
nox.options.default_venv_backend = "uv|virtualenv"

DEV = [".[dev]"]
PYTHONS = ["3.11", "3.13"]


def _find_pythons(versions: list[str]) -> None:
    """Put each wanted interpreter pyenv holds on PATH where none runs: pyenv's shims run only
    the active versions (its ``python3.13`` shim fails under a 3.11 global), so neither nox
    nor uv would find 3.13 otherwise."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found = []
    for version in versions:
        if _runs(f"python{version}"):
            continue
        candidates = sorted(
            root.glob(f"{version}.*/bin/python{version}"),
            key=lambda p: [int(n) if n.isdigit() else 0 for n in p.parents[1].name.split(".")],
        )
        if candidates:
            found.append(str(candidates[-1].parent))
    if found:
        os.environ["PATH"] = os.pathsep.join([*found, os.environ.get("PATH", "")])


def _runs(command: str) -> bool:
    path = shutil.which(command)
    return (
        path is not None and subprocess.run([path, "-c", ""], capture_output=True).returncode == 0
    )


_find_pythons(PYTHONS)


def _install(session: nox.Session) -> None:
    # pip too: uv makes environments without it, and tests install a plugin kind with it.
    session.install("-e", *DEV, "pip")


def _monitoring_repo(session: nox.Session) -> None:
    """INC-2025-063 reads alert rules from a git repository of their own, built (not
    committed) by its fixture generator: build it before running the scenarios."""
    session.run("python", "scripts/make_prometheus_fixtures.py", "--monitoring-only")


MLFLOW_REGISTRY = Path("fixtures/INC-2025-071/mlflow")


def _mlflow_registry(session: nox.Session) -> dict[str, str]:
    """INC-2025-071 loads its models from a local MLflow registry, built (not committed) by
    its fixture generator: build it, and return the environment that points MLflow at it."""
    session.run("python", "scripts/make_meter_digits_fixtures.py", "--skip-data")
    database = (MLFLOW_REGISTRY / "mlflow.db").resolve()
    return {"MLFLOW_TRACKING_URI": f"sqlite:///{database}", "MLFLOW_DISABLE_TELEMETRY": "true"}


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite (slow and promtool tests included), on all cores."""
    _install(session)
    args = session.posargs or ["-n", "auto", "--durations=10"]
    # pytest exits 5 when it collected nothing: nox treats that as a failure, so an empty
    # suite can never pass.
    session.run("pytest", *args, env={"DO_NOT_TRACK": "1"})


@nox.session(name="tests-python", python=PYTHONS)
def tests_python(session: nox.Session) -> None:
    """The whole test suite on each supported Python (3.11 and 3.13)."""
    _install(session)
    args = session.posargs or ["-n", "auto"]
    session.run("pytest", *args, env={"DO_NOT_TRACK": "1"})


# The tests that need closeout[drift] (evidently, DuckDB), whose extra keeps pandas below 3:
# whole folders and files (they import it), and single tests marked `drift`.
NEEDS_DRIFT = [
    "tests/unit/kinds/drift_replay",
    "tests/functional/test_evidently_monitor.py",
    "tests/functional/test_staleness.py",
    "tests/functional/test_reports_layout.py",
]


@nox.session(name="tests-pandas3")
def tests_pandas3(session: nox.Session) -> None:
    """Every test but drift_replay's, on pandas 3.0.x (core, threshold, shadow, synthetic).

    drift_replay's extra (evidently) keeps pandas below 3, so it is not installed here; its
    scenarios elsewhere in the suite are then the `error` naming closeout[drift]."""
    session.install("-e", ".[shadow,synthetic,mlflow]", *_dev_tools(), "pip", "pandas>=3.0,<3.1")
    session.run("python", "-c", "import pandas, sys; sys.exit(pandas.__version__[:4] != '3.0.')")
    args = session.posargs or ["-n", "auto"]
    ignored = [f"--ignore={path}" for path in NEEDS_DRIFT]
    session.run("pytest", *args, *ignored, "-m", "not drift", env={"DO_NOT_TRACK": "1"})


def _dev_tools() -> list[str]:
    """The dev extra without closeout's own extras (pyproject.toml holds the one list)."""
    project = tomllib.loads(Path("pyproject.toml").read_text(encoding="utf-8"))["project"]
    dev: list[str] = project["optional-dependencies"]["dev"]
    return [spec for spec in dev if not spec.startswith("closeout[")]


@nox.session
def lint(session: nox.Session) -> None:
    """ruff (lint + format check), mypy --strict, and the architecture contract."""
    _install(session)
    session.run("ruff", "check", "src", "tests", "noxfile.py", "scripts")
    session.run("ruff", "format", "--check", "src", "tests", "noxfile.py", "scripts")
    session.run("mypy", "--strict", "src/closeout")
    # Layers, independent kinds, no cycles ([tool.importlinter] in pyproject.toml); then what
    # import-linter cannot see: closeout imports inside functions, module size (AST test).
    session.run("lint-imports", "--no-cache")
    session.run("pytest", "-q", "-p", "no:cacheprovider", "tests/unit/test_architecture.py")


@nox.session
def demo(session: nox.Session) -> None:
    """Lint and run the bundled example incidents; write evidence under reports/."""
    _install(session)
    _monitoring_repo(session)
    registry = _mlflow_registry(session)
    session.run("closeout", "lint", "scenarios")
    session.run("closeout", "run", *session.posargs, env={"DO_NOT_TRACK": "1", **registry})
    session.run("closeout", "report")
    session.log("open reports/index.html: the archive, with each incident and its evidence")


@nox.session
def report(session: nox.Session) -> None:
    """Render reports/<INC>/postmortem.md, index.html and the archive reports/index.html."""
    _install(session)
    session.run("closeout", "report", *session.posargs)


@nox.session
def gate(session: nox.Session) -> None:
    """Release gate: every scenario of closed actions plus those tagged regression."""
    _install(session)
    _monitoring_repo(session)
    registry = _mlflow_registry(session)
    session.run(
        "closeout",
        "gate",
        "--junitxml",
        "reports/gate-junit.xml",
        *session.posargs,
        env={"DO_NOT_TRACK": "1", **registry},
    )


@nox.session
def recur(session: nox.Session) -> None:
    """Scheduled re-check of closed actions; fails (exit 1) on a recurrence."""
    _install(session)
    _monitoring_repo(session)
    registry = _mlflow_registry(session)
    session.run("closeout", "recur", *session.posargs, env={"DO_NOT_TRACK": "1", **registry})


@nox.session
def bench(session: nox.Session) -> None:
    """Print performance figures: scripts/bench.py, then every scripts/bench_*.py."""
    _install(session)
    env = {"DO_NOT_TRACK": "1"}
    scripts = ["scripts/bench.py", *sorted(str(p) for p in Path("scripts").glob("bench_*.py"))]
    for script in scripts:
        session.log(f"--- {script}")
        session.run("python", script, *session.posargs, env=env)

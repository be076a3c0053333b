"""Developer sessions: tests, lint, demo, gate, recur, report, bench. `nox -l` lists them."""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.reuse_venv = "yes"
# uv installs .[dev] in seconds where pip takes minutes, and its cache makes every further
# session's install nearly free; plain virtualenv + pip when uv is not installed.
nox.options.default_venv_backend = "uv|virtualenv"

DEV = [".[dev]"]


def _install(session: nox.Session) -> None:
    session.install("-e", *DEV)


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite (slow and promtool tests included), on all cores."""
    _install(session)
    args = session.posargs or ["-n", "auto", "--durations=10"]
    # pytest exits 5 when it collected nothing: nox treats that as a failure, so an empty
    # suite can never pass.
    session.run("pytest", *args, env={"DO_NOT_TRACK": "1"})


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
    session.run("closeout", "lint", "scenarios")
    session.run("closeout", "run", *session.posargs, env={"DO_NOT_TRACK": "1"})
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
    session.run(
        "closeout",
        "gate",
        "--junitxml",
        "reports/gate-junit.xml",
        *session.posargs,
        env={"DO_NOT_TRACK": "1"},
    )


@nox.session
def recur(session: nox.Session) -> None:
    """Scheduled re-check of closed actions; fails (exit 1) on a recurrence."""
    _install(session)
    session.run("closeout", "recur", *session.posargs, env={"DO_NOT_TRACK": "1"})


@nox.session
def bench(session: nox.Session) -> None:
    """Print performance figures: scripts/bench.py, then every scripts/bench_*.py."""
    _install(session)
    env = {"DO_NOT_TRACK": "1"}
    scripts = ["scripts/bench.py", *sorted(str(p) for p in Path("scripts").glob("bench_*.py"))]
    for script in scripts:
        session.log(f"--- {script}")
        session.run("python", script, *session.posargs, env=env)

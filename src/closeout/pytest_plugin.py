"""The pytest front door (SPEC §7): every scenario file below ``scenarios/`` is one item.

pytest loads this module (entry point ``pytest11``) into every session of an environment where
closeout is installed, so it holds only thin hooks: options, the marker, the project, and the
decision whether a file or a test is closeout's. The work (loading and running scenarios,
writing evidence) lives in ``closeout.plugin`` and is imported through one declared reference
when a scenario file is collected or a test carries the ``closeout`` marker.

``@pytest.mark.closeout(incident=..., action=...)`` records a Python test's outcome.
Only this module and ``closeout.plugin`` import pytest; the core never imports it.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Generator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from closeout.plugin.session import (
    add_python_paths,
    drop_python_paths,
    is_scenario_path,
    project_of,
)

_HOOKS = "closeout.plugin.hooks"
"""The module doing the hooks' closeout work (it imports the loader, runner and evidence)."""
TRIGGERS = ("manual", "ci", "gate", "scheduled")
"""The triggers evidence records (``closeout.evidence.TRIGGERS``, kept here to stay light)."""
TRIGGER_ENV = "CLOSEOUT_TRIGGER"


def _hooks() -> ModuleType:
    # The one place the plugin imports closeout's core: only when the session has closeout work.
    return importlib.import_module(_HOOKS)


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ``--closeout-*`` options."""
    group = parser.getgroup("closeout", "closeout validation scenarios")
    group.addoption(
        "--closeout-no-evidence",
        action="store_true",
        default=False,
        help="run scenarios without writing evidence records or artifacts",
    )
    group.addoption(
        "--closeout-evidence",
        action="store_true",
        default=False,
        help="write evidence even when addopts says --closeout-no-evidence (closeout run, "
        "gate and recur pass it: only `closeout run --no-evidence` turns evidence off)",
    )
    group.addoption(
        "--closeout-trigger",
        default=None,
        choices=TRIGGERS,
        help="the trigger recorded in evidence (default: ci when $CI is true, else manual)",
    )
    group.addoption(
        "--closeout-skip-before",
        action="store_true",
        default=False,
        help="run only the fixed state of each scenario (no pre-fix run)",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    """Put the project's ``python_paths`` on ``sys.path`` before conftest files and test
    modules are imported: plain ``pytest`` finds the project's code as ``closeout run`` does,
    installed or not."""
    add_python_paths(early_config)


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``closeout`` marker and read the project's settings."""
    config.addinivalue_line(
        "markers",
        "closeout(incident, action): record this test's outcome as evidence for an action",
    )
    if config.getoption("closeout_evidence"):
        # closeout's own commands: a project's addopts cannot switch evidence off.
        config.option.closeout_no_evidence = False
    add_python_paths(config)  # a session whose plugins came late (pytest.main(plugins=...))
    # Read [tool.closeout] now: a broken setting is then a clean usage error (exit 4),
    # not a collection error with a traceback.
    project_of(config)
    _check_trigger_env(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Take the session's ``python_paths`` off ``sys.path`` again (pytest may run in-process
    more than once: ``closeout run``, pytester)."""
    drop_python_paths(config)


def _check_trigger_env(config: pytest.Config) -> None:
    """A bad ``$CLOSEOUT_TRIGGER`` is one usage error for the session (on the xdist
    controller too), not a failure of every scenario."""
    if config.getoption("closeout_trigger") or config.getoption("closeout_no_evidence"):
        return
    value = os.environ.get(TRIGGER_ENV, "").strip()
    if value and value not in TRIGGERS:
        raise pytest.UsageError(f"{TRIGGER_ENV}={value!r}: must be one of {', '.join(TRIGGERS)}")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """A scenario file below the project's scenarios folder becomes a closeout collector."""
    if not is_scenario_path(project_of(parent.config), file_path):
        return None
    collector: pytest.Collector = _hooks().collect_file(parent, file_path)
    return collector


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A ``closeout`` marker must name an existing incident and action, or the test errors."""
    marker = item.get_closest_marker("closeout")
    if marker is not None:
        _hooks().check_marker(item, marker)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    """Record the outcome of a test marked ``closeout`` as evidence."""
    outcome = yield
    marker = item.get_closest_marker("closeout")
    if marker is not None:
        _hooks().after_report(item, marker, outcome.get_result())

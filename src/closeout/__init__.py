"""closeout: close ML-incident postmortem action items on evidence.

The public API is small and lazy, so ``import closeout`` stays cheap::

    from closeout import load_project, run_scenario_file

(PYTEST_DONT_REWRITE: closeout is a pytest plugin that the CLI imports before pytest starts;
it has no assertions to rewrite.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "load_project", "run_scenario_file"]

if TYPE_CHECKING:
    from closeout.project import load_project
    from closeout.runner import run_scenario_file


def __getattr__(name: str) -> Any:
    if name == "load_project":
        from closeout.project import load_project

        return load_project
    if name == "run_scenario_file":
        from closeout.runner import run_scenario_file

        return run_scenario_file
    raise AttributeError(f"module 'closeout' has no attribute {name!r}")

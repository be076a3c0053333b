"""closeout: close ML-incident postmortem action items on evidence.

The public API is small and lazy, so ``import closeout`` stays cheap::

    from closeout import load_project, run_scenario_file

(PYTEST_DONT_REWRITE: closeout is a pytest plugin that the CLI imports before pytest starts;
it has no assertions to rewrite.)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "load_project", "run_scenario_file"]

# The public API, by ``module:attribute``: imported on first use (PEP 562), since the runner
# pulls in pydantic and the kinds, which the command line and the pytest plugin load only
# when a command or a session needs them.
_LAZY: dict[str, str] = {
    "load_project": "closeout.project:load_project",
    "run_scenario_file": "closeout.runner:run_scenario_file",
}

if TYPE_CHECKING:
    # For type checkers only (no runtime import, so no cycle to hide): the lazy names' types.
    from closeout.project import load_project
    from closeout.runner import run_scenario_file


def __getattr__(name: str) -> Any:
    """The public API's lazily imported names."""
    reference = _LAZY.get(name)
    if reference is None:
        raise AttributeError(f"module 'closeout' has no attribute {name!r}")
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute)

"""Scenario kinds: one module per kind, behind one small interface and a registry.

A kind module defines its YAML model (a ``ScenarioBase`` subclass) and a ``KIND`` object
implementing ``Kind``. Adding a fifth kind is one new module and one line in ``_MODULES``.
Heavy libraries (pandas, evidently, scikit-learn, hypothesis) are imported only inside
``Kind.run`` and the helpers it alone uses, so loading and linting stay light.
"""

from __future__ import annotations

import importlib
import importlib.util
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from closeout.errors import Location, Problem
from closeout.models import Outcome, Postmortem, ScenarioBase
from closeout.project import Project

# kind name -> module. A kind whose module is not installed is reported as "not available
# in this version" rather than "unknown" (find_spec looks for the file without importing).
_MODULES: dict[str, str] = {
    "drift_replay": "closeout.kinds.drift_replay",
    "shadow": "closeout.kinds.shadow",
    "synthetic": "closeout.kinds.synthetic",
    "threshold": "closeout.kinds.threshold",
}

Locate = Callable[[tuple[str | int, ...]], Location]


@dataclass(frozen=True)
class RunContext:
    """What a kind needs to run one side (fixed or before) of a scenario."""

    project: Project
    postmortem: Postmortem
    incident: str
    scenario_name: str
    scenario_display: str
    seed: int
    side: str  # "fixed" | "before"
    artifacts_dir: Path | None  # None: write no artifacts
    artifact_prefix: str


@dataclass
class KindResult:
    """Expectation outcomes, metrics and artifact paths (project-relative) of one run."""

    outcomes: list[Outcome]
    metrics: dict[str, Any] = field(default_factory=dict)
    artifacts: list[str] = field(default_factory=list)
    # The subject's traceback when user code raised but the kind judged it per example
    # (synthetic) instead of letting the exception end the run.
    traceback: str | None = None


class Kind(ABC):
    """The interface every scenario kind implements."""

    name: str
    model: type[ScenarioBase]

    @abstractmethod
    def check(self, scenario: Any, project: Project, locate: Locate) -> list[Problem]:
        """Static cross-field checks (names defined, files exist); no data is read."""

    @abstractmethod
    def data_files(self, scenario: Any) -> list[str]:
        """Project-relative paths of every data file the scenario reads."""

    def code_files(self, scenario: Any, project: Project) -> list[Path]:
        """Source files of every callable the scenario uses (for evidence hashing)."""
        return []

    def subject(self, scenario: Any) -> Any:
        return getattr(scenario, scenario.subject_key)

    def before_subject(self, scenario: Any) -> Any:
        return getattr(scenario.before, scenario.subject_key)

    @abstractmethod
    def run(self, scenario: Any, subject: Any, context: RunContext) -> KindResult:
        """Run ``subject`` against the scenario's data and expectations."""


def write_artifacts(metrics: dict[str, Any], write: Callable[[], list[str]]) -> list[str]:
    """Run an artifact writer; a failure (disk full, a report library raising) is noted in
    ``metrics["artifact_errors"]`` and never changes the verdict the data gave."""
    try:
        return write()
    except Exception as exc:  # an artifact is a picture of the evidence, not the evidence
        metrics.setdefault("artifact_errors", []).append(f"{type(exc).__name__}: {exc}")
        return []


def kind_names() -> list[str]:
    """The kinds this installation can run."""
    return sorted(name for name, module in _MODULES.items() if _available(module))


def all_kind_names() -> list[str]:
    """Every kind the specification names."""
    return sorted(_MODULES)


def _available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


def get_kind(name: str) -> Kind:
    """The kind registered under ``name``; KeyError when there is none."""
    module = importlib.import_module(_MODULES[name])
    kind: Kind = module.KIND
    return kind

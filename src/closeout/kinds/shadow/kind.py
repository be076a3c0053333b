"""The ``shadow`` kind (SPEC §4.2): is the fixed model at least as good, and better where it hurt?

Entry module: the ``KIND`` object the registry names. The YAML model is ``spec``, lint's
checks ``check``, the report's key figures ``figures`` and the ``closeout init`` scaffold
``template.yaml``; none of them imports NumPy or pandas. The engine (``run`` with data,
encode, metrics, bootstrap, verdicts, chart) is imported only while a scenario runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from closeout.callables import parse_ref, source_file
from closeout.errors import DataError, Problem
from closeout.kind import Figures, Kind, Locate
from closeout.kinds.shadow import check, figures, mlflow_model, registered
from closeout.kinds.shadow.model_uri import folder_files
from closeout.kinds.shadow.spec import (
    CallablePredictions,
    FilePredictions,
    MlflowPredictions,
    ShadowScenario,
)
from closeout.project import Project


class ShadowKind(Kind[ShadowScenario]):
    name = "shadow"
    model = ShadowScenario
    engine = "closeout.kinds.shadow.run"
    packages = ("pandas", "numpy", "scipy")
    extra = "closeout[shadow]"
    requires = ("scipy", "sklearn")

    def check(self, scenario: ShadowScenario, project: Project, locate: Locate) -> list[Problem]:
        return check.check(scenario, project, locate)

    def data_files(self, scenario: ShadowScenario) -> list[str]:
        files = {scenario.data}
        files |= {s.file for _, s in scenario.sources() if isinstance(s, FilePredictions)}
        return sorted(files)

    def code_files(self, scenario: ShadowScenario, project: Project) -> list[Path]:
        found: dict[str, Path] = {}
        for _, source in scenario.sources():
            if isinstance(source, MlflowPredictions):
                # A local model folder is the subject's code: its files are hashed so a
                # changed model makes the evidence stale. A registry model's identity
                # (version, run id, source, folder sha256) is the run's `inputs.resolved`,
                # which `changed_inputs` checks against the registry.
                found |= {str(p): p for p in _local_model_files(source, project)}
                continue
            if not isinstance(source, CallablePredictions):
                continue
            try:
                path = source_file(parse_ref(source.callable_), project)
            except (ValueError, DataError):
                continue  # reported by check() and at run time
            found[str(path)] = path
        return sorted(found.values())

    def figures(self, metrics: Mapping[str, Any]) -> Figures:
        return figures.figures(metrics)

    def changed_inputs(self, resolved: Mapping[str, Any], project: Project) -> list[str]:
        """What of a run's ``inputs.resolved`` resolves otherwise today (a registered model
        version registered anew, an alias moved), one sentence each: the evidence is stale.
        Read from the registry without importing MLflow (``registered``)."""
        return registered.changes(resolved)

    def prepare(self, scenario: ShadowScenario, project: Project) -> None:
        """Load the scenario's MLflow models before the runner forks its isolated run, so
        the same version is loaded once per session, not once per scenario."""
        sources = [s for _, s in scenario.sources() if isinstance(s, MlflowPredictions)]
        if sources:
            mlflow_model.warm(sources, project)


def _local_model_files(source: MlflowPredictions, project: Project) -> list[Path]:
    uri = source.uri
    if uri.scheme != "local" or uri.path is None:
        return []
    try:
        folder = project.resolve_inside(uri.path)
    except ValueError:
        return []  # reported by check() and at run time
    return folder_files(folder) if folder.is_dir() else []


KIND = ShadowKind()

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
from closeout.kinds.shadow import check, figures
from closeout.kinds.shadow.spec import (
    CallablePredictions,
    FilePredictions,
    ShadowScenario,
)
from closeout.project import Project


class ShadowKind(Kind[ShadowScenario]):
    name = "shadow"
    model = ShadowScenario
    engine = "closeout.kinds.shadow.run"
    packages = ("pandas", "numpy", "scipy")

    def check(self, scenario: ShadowScenario, project: Project, locate: Locate) -> list[Problem]:
        return check.check(scenario, project, locate)

    def data_files(self, scenario: ShadowScenario) -> list[str]:
        files = {scenario.data}
        files |= {s.file for _, s in scenario.sources() if isinstance(s, FilePredictions)}
        return sorted(files)

    def code_files(self, scenario: ShadowScenario, project: Project) -> list[Path]:
        found: dict[str, Path] = {}
        for _, source in scenario.sources():
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


KIND = ShadowKind()

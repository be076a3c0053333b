"""The ``synthetic`` kind (SPEC §4.4): does the fixed code hold over generated data?

Entry module: the ``KIND`` object the registry names. The YAML model is ``spec``, lint's
checks ``check``; the engine (``run`` with frames, strategies, properties, faults, search,
transform, validator, report) is imported only while a scenario runs, so hypothesis and
pandas stay out of ``closeout lint``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from closeout.errors import Problem
from closeout.kind import Figures, Kind, Locate
from closeout.kinds.synthetic import check, figures
from closeout.kinds.synthetic.spec import EdgeCaseFile, SyntheticScenario
from closeout.project import Project


class SyntheticKind(Kind[SyntheticScenario]):
    name = "synthetic"
    model = SyntheticScenario
    engine = "closeout.kinds.synthetic.run"
    packages = ("hypothesis", "pandas", "numpy")

    def check(self, scenario: SyntheticScenario, project: Project, locate: Locate) -> list[Problem]:
        return check.check(scenario, project, locate)

    def data_files(self, scenario: SyntheticScenario) -> list[str]:
        return sorted({case.file for case in scenario.edge_cases if isinstance(case, EdgeCaseFile)})

    def code_files(self, scenario: SyntheticScenario, project: Project) -> list[Path]:
        return check.source_files([ref for _, ref in check.callable_refs(scenario)], project)

    def figures(self, metrics: Mapping[str, Any]) -> Figures:
        return figures.figures(metrics)


KIND = SyntheticKind()

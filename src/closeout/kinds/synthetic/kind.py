"""The ``synthetic`` kind (SPEC §4.4): does the fixed code hold over generated data?

Entry module: the ``KIND`` object the registry names. What the rest of the folder holds,
from the top down (each module imports only modules below it):

=============  ==========================================================================
``kind``       this entry: the ``Kind`` methods, delegating to the modules below
``check``      lint's cross-field checks (no data read, no user code run)
``figures``    the key figures reports show
``run``        the engine ``Kind.run`` imports: load the callables, run the mode, time it
``transform``  transform mode: properties over edge cases and generated frames
``validator``  validator mode: clean frames accepted, frames carrying faults rejected
``faults``     the fault injectors, and the rows each fault touches
``polish``     the last deterministic shrink of a counterexample
``report``     failing and passing outcomes, counterexamples as evidence
``encode``     any DataFrame as JSON-safe data, a table and a pandas literal
``search``     one seeded hypothesis search
``properties`` the transform properties' judges
``strategies`` hypothesis strategies for generated frames, and ``Timers``
``frames``     frames from canonical cells (fixed dtypes), and the edge cases
``failure``    ``Broken`` (why a frame fails) and ``Found`` (the failing frame)
``spec``       the YAML model: edge cases, properties, faults, the scenario
``columns``    the YAML model of the generated ``columns`` and ``rows``
``values``     canonical cells of each dtype, without pandas
=============  ==========================================================================

``kind``, ``check``, ``spec`` and what they import never import hypothesis, pandas or
NumPy, so ``closeout lint``, ``status`` and ``schema`` stay light; the engine modules import
them inside the functions that need them.
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
    extra = "closeout[synthetic]"
    requires = ("hypothesis",)

    def check(self, scenario: SyntheticScenario, project: Project, locate: Locate) -> list[Problem]:
        return check.check(scenario, project, locate)

    def data_files(self, scenario: SyntheticScenario) -> list[str]:
        return sorted({case.file for case in scenario.edge_cases if isinstance(case, EdgeCaseFile)})

    def code_files(self, scenario: SyntheticScenario, project: Project) -> list[Path]:
        return check.source_files([ref for _, ref in check.callable_refs(scenario)], project)

    def figures(self, metrics: Mapping[str, Any]) -> Figures:
        return figures.figures(metrics)


KIND = SyntheticKind()

"""The ``threshold`` kind (SPEC §4.3): does the alert rule fire when it should?

Entry module: the ``KIND`` object the registry names. The YAML model is ``spec``, lint's
checks ``check``, report figures ``figures``; the engine (``run`` with the Prometheus
semantics in ``promql`` and the SVG ``chart``) is imported only while a scenario runs.
``template.yaml`` is the scenario ``closeout init`` scaffolds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from closeout.errors import Problem
from closeout.kind import Figures, Kind, Locate
from closeout.kinds.threshold import check, figures
from closeout.kinds.threshold.spec import FileSeries, ThresholdScenario
from closeout.project import Project


class ThresholdKind(Kind[ThresholdScenario]):
    name = "threshold"
    model = ThresholdScenario
    engine = "closeout.kinds.threshold.run"
    packages = ("pandas", "numpy")

    def check(self, scenario: ThresholdScenario, project: Project, locate: Locate) -> list[Problem]:
        return check.check(scenario, project, locate)

    def data_files(self, scenario: ThresholdScenario) -> list[str]:
        return sorted({s.file for s in scenario.series.values() if isinstance(s, FileSeries)})

    def figures(self, metrics: Mapping[str, Any]) -> Figures:
        return figures.figures(metrics)


KIND = ThresholdKind()

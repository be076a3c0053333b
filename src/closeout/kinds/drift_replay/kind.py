"""The ``drift_replay`` kind (SPEC §4.1): would the monitor have caught the incident, and when?

Entry module: the ``KIND`` object the registry names. The YAML model is ``spec``, lint's
checks ``check``, the report's key figures ``figures`` and the ``closeout init`` scaffold
``template.yaml``. The engine is imported only while a scenario runs: ``run`` (one side of
a scenario) with ``replay`` (load, window, score, judge) and the modules those use: ``data``,
``windows``, ``scoring``, ``verdict``, ``expect``, ``chart`` and ``artifacts``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from closeout.errors import Problem
from closeout.kind import Figures, Kind, Locate
from closeout.kinds.drift_replay import check, figures
from closeout.kinds.drift_replay.spec import DriftReplayScenario
from closeout.project import Project


class DriftReplayKind(Kind[DriftReplayScenario]):
    """The kind object: the contract of ``closeout.kind.Kind`` for drift replays."""

    name = "drift_replay"
    model = DriftReplayScenario
    engine = "closeout.kinds.drift_replay.run"
    packages = ("evidently", "pandas", "numpy", "scipy")

    def check(
        self, scenario: DriftReplayScenario, project: Project, locate: Locate
    ) -> list[Problem]:
        return check.check(scenario, project, locate)

    def data_files(self, scenario: DriftReplayScenario) -> list[str]:
        files = {scenario.reference, scenario.current}
        if scenario.control is not None:
            files.add(scenario.control)
        return sorted(files)

    def figures(self, metrics: Mapping[str, Any]) -> Figures:
        return figures.figures(metrics)


KIND = DriftReplayKind()

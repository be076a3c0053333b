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
from closeout.kinds.drift_replay.spec import DriftReplayScenario, source_text
from closeout.project import Project


class DriftReplayKind(Kind[DriftReplayScenario]):
    """The kind object: the contract of ``closeout.kind.Kind`` for drift replays."""

    name = "drift_replay"
    model = DriftReplayScenario
    engine = "closeout.kinds.drift_replay.run"
    packages = ("evidently", "pandas", "numpy", "scipy")
    extra = "closeout[drift]"
    requires = ("evidently", "scipy", "duckdb")

    def check(
        self, scenario: DriftReplayScenario, project: Project, locate: Locate
    ) -> list[Problem]:
        return check.check(scenario, project, locate)

    def data_files(self, scenario: DriftReplayScenario) -> list[str]:
        """Each source's path: a file, a folder or glob of Parquet files, a DuckDB file."""
        sources = [scenario.reference, scenario.current, scenario.control]
        return sorted({source_text(s) for s in sources if s is not None})

    def figures(self, metrics: Mapping[str, Any]) -> Figures:
        return figures.figures(metrics)


KIND = DriftReplayKind()

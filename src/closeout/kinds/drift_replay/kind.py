"""The ``drift_replay`` kind (SPEC §4.1): would the monitor have caught the incident, and when?

Entry module: the ``KIND`` object the registry names. The YAML model is ``spec``, lint's
checks ``check``, the report's key figures ``figures`` and the ``closeout init`` scaffold
``template.yaml``. The engine is imported only while a scenario runs: ``run`` (one side of
a scenario) with ``replay`` (load, window, score, judge) and the modules those use: ``data``,
``windows``, ``scoring``, ``verdict``, ``expect``, ``chart`` and ``artifacts``. A monitor given
as ``{evidently: module:function}`` is read at run time by ``evidently_monitor`` (the
function's Report translated by ``evidently_report``); lint only finds the function.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from closeout.callables import parse_ref, source_file
from closeout.errors import DataError, Problem
from closeout.kind import Figures, Kind, Locate
from closeout.kinds.drift_replay import check, figures
from closeout.kinds.drift_replay.spec import DriftReplayScenario, EvidentlyMonitor, source_text
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

    def notes(
        self, scenario: DriftReplayScenario, project: Project, locate: Locate
    ) -> list[Problem]:
        """Info lines: a monitor given as an evidently Report is read at run time."""
        return check.notes(scenario, locate) + super().notes(scenario, project, locate)

    def code_files(self, scenario: DriftReplayScenario, project: Project) -> list[Path]:
        """The source files of the evidently Report factories: a changed Report makes the
        evidence stale."""
        monitors = [scenario.monitor, scenario.before.monitor if scenario.before else None]
        found: dict[str, Path] = {}
        for monitor in monitors:
            if not isinstance(monitor, EvidentlyMonitor):
                continue
            try:
                path = source_file(parse_ref(monitor.evidently), project)
            except (ValueError, DataError):
                continue  # reported by check() and at run time
            found[str(path)] = path
        return sorted(found.values())

    def data_files(self, scenario: DriftReplayScenario) -> list[str]:
        """Each source's path: a file, a folder or glob of Parquet files, a DuckDB file."""
        sources = [scenario.reference, scenario.current, scenario.control]
        return sorted({source_text(s) for s in sources if s is not None})

    def figures(self, metrics: Mapping[str, Any]) -> Figures:
        return figures.figures(metrics)


KIND = DriftReplayKind()

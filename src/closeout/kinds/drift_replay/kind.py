"""The ``drift_replay`` kind (SPEC §4.1): would the monitor have caught the incident, and when?

Entry module: the ``KIND`` object the registry names. The YAML model is ``spec``, lint's
checks ``check``, the report's key figures ``figures`` and the ``closeout init`` scaffold
``template.yaml``; ``render_artifacts`` renders a run's evidently snapshot as evidently's
HTML page on request (``snapshot_html``). The engine is imported only while a scenario
runs: ``run`` (one side of a scenario) with ``replay`` (load, window, score, judge) and the
modules those use: ``data``, ``windows``, ``scoring``, ``verdict``, ``expect``, ``chart`` and
``artifacts``. A monitor given as ``{evidently: module:function}`` is read at run time by
``evidently_monitor`` (the function's Report translated by ``evidently_report``); lint only
finds the function.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from closeout.callables import parse_ref, source_file
from closeout.errors import DataError, Problem
from closeout.kind import Figures, Kind, Locate
from closeout.kinds.drift_replay import check, figures, snapshot_html
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

    def render_artifacts(
        self, artifacts: list[Path], project: Project
    ) -> tuple[list[str], list[str]]:
        """Each evidently snapshot (``*-evidently.json``) as evidently's HTML page beside it
        (SPEC §12); a page newer than its snapshot is kept. Problems: a file that is not a
        snapshot, evidently not installed (said once)."""
        written: list[str] = []
        problems: list[str] = []
        for snapshot in artifacts:
            html = snapshot_html.html_path(snapshot)
            if not snapshot.name.endswith(snapshot_html.SNAPSHOT_SUFFIX) or _newer(html, snapshot):
                continue
            try:
                snapshot_html.render_snapshot_html(snapshot, html)
            except ImportError as exc:
                problems.append(
                    f"--evidently: rendering evidently's pages needs evidently ({exc}): "
                    f"pip install '{self.extra}'"
                )
                break
            except (ValueError, OSError) as exc:
                problems.append(f"{project.display(snapshot)}: not rendered: {_reason(exc)}")
                continue
            written.append(project.display(html))
        return written, problems


def _newer(page: Path, source: Path) -> bool:
    """The page exists and is at least as new as ``source`` (rendering it again is waste)."""
    return page.is_file() and page.stat().st_mtime_ns >= source.stat().st_mtime_ns


def _reason(exc: Exception) -> str:
    """Why a snapshot was not rendered, without the path a ``ValueError`` starts with."""
    text = str(exc)
    return text.split(": ", 1)[1] if isinstance(exc, ValueError) and ": " in text else text


KIND = DriftReplayKind()

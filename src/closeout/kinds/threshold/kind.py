"""The ``threshold`` kind (SPEC §4.3, §11): does the alert rule fire when it should?

Entry module: the ``KIND`` object the registry names. The YAML model is ``spec``, lint's
checks ``check``, report figures ``figures``; the engine (``run``, with closeout's own
Prometheus semantics in ``promql`` or the real promtool through ``engines``) is imported
only while a scenario runs. ``template.yaml`` is the scenario ``closeout init`` scaffolds.
The subject is ``rules`` (inline) or ``rules_file`` (a Prometheus rule file, possibly at a
git revision); ``export`` writes a scenario as a promtool unit test and ``capture`` reads a
live Prometheus into a CSV (both behind ``closeout export`` / ``closeout capture``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from closeout.errors import Problem
from closeout.kind import Figures, Kind, Locate
from closeout.kinds.threshold import check, figures
from closeout.kinds.threshold.spec import FileSeries, ThresholdScenario, rules_file_of
from closeout.kinds.threshold.subject import Subject
from closeout.project import Project


class ThresholdKind(Kind[ThresholdScenario]):
    name = "threshold"
    model = ThresholdScenario
    engine = "closeout.kinds.threshold.run"
    packages = ("pandas", "numpy")

    def check(self, scenario: ThresholdScenario, project: Project, locate: Locate) -> list[Problem]:
        return check.check(scenario, project, locate)

    def notes(self, scenario: ThresholdScenario, project: Project, locate: Locate) -> list[Problem]:
        """``info`` lines for lint: which engine each state of the scenario uses."""
        return check.engine_notes(scenario, project, locate)

    def data_files(self, scenario: ThresholdScenario) -> list[str]:
        """Series files, and every rule file read from the working tree (a rule file at a
        revision is recorded in the run's metrics with its commit instead)."""
        files = {s.file for s in scenario.series.values() if isinstance(s, FileSeries)}
        refs = [scenario.rules_file, scenario.before.rules_file if scenario.before else None]
        files |= {
            ref.path for ref in (rules_file_of(r) for r in refs if r is not None) if ref.rev is None
        }
        return sorted(files)

    def subject(self, scenario: ThresholdScenario) -> Subject:
        """The rules under test: inline ``rules`` or the ``rules_file``."""
        return _subject(scenario.rules, scenario.rules_file)

    def before_subject(self, scenario: ThresholdScenario) -> Subject:
        """The pre-fix rules: ``before.rules`` or ``before.rules_file``."""
        assert scenario.before is not None
        return _subject(scenario.before.rules, scenario.before.rules_file)

    def figures(self, metrics: Mapping[str, Any]) -> Figures:
        return figures.figures(metrics)


def _subject(rules: Any, rules_file: Any) -> Subject:
    if rules is not None:
        return list(rules)
    return rules_file_of(rules_file)


KIND = ThresholdKind()

"""What closeout's pytest hooks do once there is closeout work in the session.

``closeout.pytest_plugin`` loads this module (by its declared reference) only when a scenario
file is collected or a test carries the ``closeout`` marker, so a pytest session without
either never imports the loader, pydantic or the kinds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from closeout.plugin.items import BrokenScenarioItem, ScenarioFile, ScenarioItem
from closeout.plugin.marked import marker_problem, record_marked_test

_MARKER_PROBLEM = pytest.StashKey[str]()


def collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector:
    """The collector of one scenario file."""
    collector: pytest.Collector = ScenarioFile.from_parent(parent, path=file_path)
    return collector


def _is_scenario(item: pytest.Item) -> bool:
    # A scenario's tags are markers too: a tag named `closeout` is not a marked test.
    return isinstance(item, ScenarioItem | BrokenScenarioItem)


def check_marker(item: pytest.Item, marker: pytest.Mark) -> None:
    """A ``closeout`` marker must name an existing incident and action, or the test errors."""
    if _is_scenario(item):
        return
    problem = marker_problem(item, marker)
    if problem:
        item.stash[_MARKER_PROBLEM] = problem
        pytest.fail(f"{item.nodeid}: @pytest.mark.closeout: {problem}", pytrace=False)


def after_report(item: pytest.Item, marker: pytest.Mark, report: pytest.TestReport) -> None:
    """Record a marked test's outcome once it is known: its call, or a setup that failed."""
    if _is_scenario(item):
        return
    if not (report.when == "call" or (report.when == "setup" and report.failed)):
        return
    if report.skipped or item.config.getoption("closeout_no_evidence"):
        return
    if _MARKER_PROBLEM in item.stash:
        return
    record_marked_test(item, marker, report)

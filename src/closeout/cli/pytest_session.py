"""pytest underneath ``run``, ``gate`` and ``recur``: run it, gather the summaries, map the codes.

The pytest plugin puts each scenario's summary row in ``report.user_properties`` (under
``report_text.SUMMARY_PROPERTY``), which also reaches this process from xdist workers.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Any

from closeout.cli.output import EXIT_BUG, EXIT_NO, EXIT_OK, EXIT_USAGE, emit, say, warn
from closeout.project import Project
from closeout.report_text import BROKEN_PROPERTY, SUMMARY_PROPERTY, summary_table

# pytest's own exit codes (pytest.ExitCode), named here so pytest is imported only to run it.
_PYTEST_INTERNAL_ERROR, _PYTEST_NO_TESTS = 3, 5
_PYTEST_USAGE = (2, 3, 4)


def run_pytest(project: Project, targets: list[Path], extra: list[str], *, as_json: bool) -> int:
    """Run pytest on ``targets``, collect the closeout summaries, print them, map exit codes."""
    # pytest costs a tenth of a second to import; only the commands that run it pay for it.
    import pytest

    collector = Collector()
    args = [
        *(str(t) for t in targets),
        f"--rootdir={project.root}",
        "-p",
        "no:cacheprovider",
        *extra,
    ]
    # With --json, stdout carries only the JSON summary: pytest's progress goes to stderr.
    with contextlib.redirect_stdout(sys.stderr if as_json else sys.stdout):
        code = int(pytest.main(args, plugins=[collector]))
    collector.rows.sort(key=lambda r: (r["incident"], r["action"], r["scenario"]))
    if as_json:
        emit({"results": collector.rows, "broken": collector.broken})
    elif collector.rows:
        say("")
        say(summary_table(collector.rows))
    return exit_code(code, collector)


def exit_code(code: int, collector: Collector) -> int:
    """closeout's exit code for pytest's ``code`` and what the collector saw."""
    for nodeid in collector.lost:
        reason = collector.reasons.get(nodeid) or "the process running it ended"
        warn(f"{nodeid}: no result: {reason} (see pytest's report above)")
    if code in _PYTEST_USAGE and not collector.rows:
        return EXIT_BUG if code == _PYTEST_INTERNAL_ERROR else EXIT_USAGE
    if collector.lost:
        return EXIT_USAGE
    if code == _PYTEST_NO_TESTS or (not collector.rows and not collector.broken):
        warn("no scenario was run")
        return EXIT_USAGE
    errored = [r for r in collector.rows if "error" in (r["verdict"], r.get("before_verdict"))]
    if collector.broken or errored:
        return EXIT_USAGE
    return EXIT_NO if code != 0 else EXIT_OK


class Collector:
    """A pytest plugin object gathering closeout summaries from test reports (xdist-safe)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.broken: list[str] = []
        self.lost: list[str] = []  # scenarios that failed without a result (a crashed worker)
        # Why, when pytest's report says it in one line (a record that could not be written).
        self.reasons: dict[str, str] = {}

    def pytest_runtest_logreport(self, report: Any) -> None:
        """Keep the summary row of each run, the node id of each invalid scenario file, and
        each scenario that failed without either (its xdist worker died under it)."""
        keys = [key for key, _ in getattr(report, "user_properties", [])]
        for key, value in getattr(report, "user_properties", []):
            if key == SUMMARY_PROPERTY and report.when == "call":
                self.rows.append(json.loads(value))
            elif key == BROKEN_PROPERTY and report.when == "setup":
                self.broken.append(report.nodeid)
        scenario = str(report.nodeid).split("::")[0].endswith((".yaml", ".yml"))
        failed = bool(getattr(report, "failed", False))
        if scenario and failed and not keys and report.when in ("call", "???"):
            self.lost.append(report.nodeid)
            text = str(getattr(report, "longreprtext", "") or "").strip()
            if text and "\n" not in text:
                self.reasons[report.nodeid] = text

"""pytest underneath ``run``, ``gate`` and ``recur``: run it, gather the summaries, map the codes.

The pytest plugin puts each scenario's summary row in ``report.user_properties`` (under
``report_text.SUMMARY_PROPERTY``), which also reaches this process from xdist workers.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from closeout.cli.output import EXIT_BUG, EXIT_NO, EXIT_OK, EXIT_USAGE, emit, say, warn
from closeout.project import Project
from closeout.report_text import BROKEN_PROPERTY, SUMMARY_PROPERTY, summary_table

# pytest's own exit codes (pytest.ExitCode), named here so pytest is imported only to run it.
_PYTEST_INTERNAL_ERROR, _PYTEST_NO_TESTS = 3, 5
_PYTEST_USAGE = (2, 3, 4)


@dataclass
class PytestRun:
    """What one pytest session under closeout gave: closeout's exit code and the summaries."""

    code: int
    rows: list[dict[str, Any]] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)  # `file:line: problem` of each broken file

    def document(self) -> dict[str, Any]:
        """The JSON document of the run (``--json``)."""
        return {"results": self.rows, "broken": self.broken, "invalid": self.invalid}


_NO_EVIDENCE = "--closeout-no-evidence"


def run_pytest(
    project: Project,
    targets: Sequence[Path | str],
    extra: list[str],
    *,
    as_json: bool,
    pytest_args: Sequence[str] = (),
    evidence: bool = True,
) -> PytestRun:
    """Run pytest on ``targets`` and collect the closeout summaries (printed by ``show``).

    ``pytest_args`` (after ``--`` on the command line) go to pytest last. With ``evidence``,
    a project's ``addopts = "--closeout-no-evidence"`` cannot switch evidence off.
    """
    # pytest costs a tenth of a second to import; only the commands that run it pay for it.
    import pytest

    if evidence and _NO_EVIDENCE in pytest_args:
        warn(
            f"{_NO_EVIDENCE} after -- is ignored: closeout records evidence of every run it "
            "makes (use `closeout run --no-evidence`)"
        )
    collector = Collector()
    args = [*(str(t) for t in targets), f"--rootdir={project.root}"]
    if not pytest_args:
        # No .pytest_cache in the project by default; with pytest arguments pytest's own
        # defaults hold, so --lf, --ff and --sw find and keep their cache.
        args += ["-p", "no:cacheprovider"]
    args += [*extra, *(["--closeout-evidence"] if evidence else []), *pytest_args]
    # With --json, stdout carries only the JSON summary: pytest's progress goes to stderr.
    with contextlib.redirect_stdout(sys.stderr if as_json else sys.stdout):
        code = int(pytest.main(args, plugins=[collector]))
    collector.rows.sort(key=lambda r: (r["incident"], r["action"], r["scenario"]))
    return PytestRun(
        exit_code(code, collector), collector.rows, collector.broken, collector.invalid
    )


def show(run: PytestRun, *, as_json: bool, **more: Any) -> None:
    """Print the run: one JSON document (with ``more`` fields), or the summary table."""
    if as_json:
        emit(run.document() | more)
    elif run.rows:
        say("")
        say(summary_table(run.rows))


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
        self.invalid: list[str] = []
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
                self.invalid.append(str(value))
        scenario = str(report.nodeid).split("::")[0].endswith((".yaml", ".yml"))
        failed = bool(getattr(report, "failed", False))
        if scenario and failed and not keys and report.when in ("call", "???"):
            self.lost.append(report.nodeid)
            text = str(getattr(report, "longreprtext", "") or "").strip()
            if text and "\n" not in text:
                self.reasons[report.nodeid] = text

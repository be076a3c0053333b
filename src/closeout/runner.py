"""Runs a scenario: the fixed state, then the pre-fix state, timed.

This is the one place where an exception becomes a verdict:

- ``SubjectError`` (the user's code raised)          -> ``fail``, traceback kept as evidence
- any other ``CloseoutError`` (bad input, bad data,  -> ``error``, the message kept
  a kind whose extra is not installed)
- anything else (a bug in closeout)                  -> ``error``, traceback kept
  (``SystemExit`` and other ``BaseException`` too; only ``KeyboardInterrupt`` goes through)

With ``isolate`` (what pytest items and the CLI use) both sides run in one forked child
process (``closeout._forked``), so a subject that calls ``os._exit``, crashes the interpreter
or never returns cannot take the session down: a child that vanishes before reporting a side
makes that side an ``error`` saying how it ended, and a scenario still running after its
``timeout`` is killed and is an ``error`` giving the time it ran. Either way the caller
records the run, so nothing is lost.

Each side's ``RunContext.progress`` draws a progress line on the terminal the run was started
from, and nothing when there is none (``closeout._progress``); in the forked child the child
draws it. Tracebacks kept as evidence name files under the project root relative to it, and
files of installed packages from ``site-packages/`` on, so a record reads the same on every
machine and never carries a temporary folder.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
import time
import traceback
import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from closeout import _forked, _progress
from closeout._time import format_duration_ms, utc_now
from closeout.errors import CloseoutError, SubjectError
from closeout.kind import AnyKind, ArtifactWriter, KindResult, Progress, RunContext
from closeout.loader import LoadedScenario, load_scenario
from closeout.models import Outcome, VerdictName, combine
from closeout.project import Project, load_project

DEFAULT_TIMEOUT_MS = 10 * 60_000
"""How long a scenario (both its sides) may run when neither it nor the project says."""


@dataclass
class SideResult:
    """The result of running one state (fixed or before) of a scenario."""

    verdict: VerdictName
    outcomes: list[Outcome] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    artifacts: list[str] = field(default_factory=list)
    error: str | None = None
    traceback: str | None = None
    # What the side resolved at run time (``KindResult.inputs``): evidence ``inputs.resolved``.
    inputs: dict[str, Any] = field(default_factory=dict)


@dataclass
class ScenarioRun:
    """Both sides of one scenario run, ready to be recorded as evidence."""

    loaded: LoadedScenario
    started_at: datetime
    duration_s: float
    seed: int
    fixed: SideResult
    before: SideResult | None

    @property
    def verdict(self) -> VerdictName:
        return self.fixed.verdict

    @property
    def before_verdict(self) -> VerdictName | None:
        return self.before.verdict if self.before is not None else None

    @property
    def discriminating(self) -> bool | None:
        if self.before is None:
            return None
        return self.before.verdict == "fail" and self.fixed.verdict == "pass"

    @property
    def vacuous(self) -> bool:
        """The pre-fix state passes too: the scenario proves nothing."""
        return self.before is not None and self.before.verdict == "pass"

    @property
    def before_errored(self) -> bool:
        """The pre-fix state could not run: the scenario proves nothing either way."""
        return self.before is not None and self.before.verdict == "error"

    @property
    def passed(self) -> bool:
        """What the pytest item reports: a passing fixed run whose pre-fix run failed."""
        return self.fixed.verdict == "pass" and not self.vacuous and not self.before_errored


def run_side(loaded: LoadedScenario, subject: Any, context: RunContext) -> SideResult:
    """Run one side; convert exceptions into verdicts (see the module docstring)."""
    try:
        # A kind whose extra is not installed is an `error` naming it (MissingExtra), whether
        # or not the kind overrides run().
        loaded.kind.require()
        result: KindResult = loaded.kind.run(loaded.model, subject, context)
        artifacts = write_artifacts(result.metrics, result.write_artifacts)
    except SubjectError as exc:
        return SideResult("fail", error=str(exc), traceback=exc.traceback_text)
    except CloseoutError as exc:
        return SideResult("error", error=str(exc))
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # the one place a bug becomes a verdict (SystemExit too)
        return SideResult(
            "error", error=f"internal error in closeout: {exc!r}", traceback=traceback.format_exc()
        )
    return SideResult(
        combine(result.outcomes),
        result.outcomes,
        result.metrics,
        artifacts,
        traceback=result.traceback,
        inputs=dict(result.inputs),
    )


_SITE_PACKAGES = re.compile(r'File "[^"\n]*[/\\]site-packages[/\\]')


def relative_tracebacks(result: SideResult, root: Path) -> SideResult:
    """``result`` with every traceback frame under ``root`` named relative to it, and every
    frame in an installed package from ``site-packages/`` on (error, traceback, outcome
    details and the strings of the metrics, such as a counterexample's traceback)."""
    prefixes = {f'File "{root}{os.sep}', f'File "{root.resolve()}{os.sep}'}

    def short(text: str) -> str:
        if 'File "' not in text:
            return text
        for prefix in prefixes:
            text = text.replace(prefix, 'File "')
        return _SITE_PACKAGES.sub('File "site-packages/', text)

    result.error = short(result.error) if result.error else result.error
    result.traceback = short(result.traceback) if result.traceback else result.traceback
    result.outcomes = [
        o.model_copy(update={"detail": short(o.detail)}) if 'File "' in o.detail else o
        for o in result.outcomes
    ]
    _shorten_strings(result.metrics, short)
    return result


def _shorten_strings(value: Any, short: Callable[[str], str]) -> None:
    """Apply ``short`` to every string inside nested dicts and lists, in place."""
    items: Any = value.items() if isinstance(value, dict) else enumerate(value)
    for key, inner in list(items):
        if isinstance(inner, str):
            value[key] = short(inner)
        elif isinstance(inner, dict | list):
            _shorten_strings(inner, short)


def write_artifacts(metrics: dict[str, Any], writer: ArtifactWriter | None) -> list[str]:
    """Run a kind's artifact writer; a failure (disk full, a report library raising) is noted in
    ``metrics["artifact_errors"]`` and never changes the verdict the data gave."""
    if writer is None:
        return []
    try:
        return writer()
    except Exception as exc:  # an artifact is a picture of the evidence, not the evidence
        metrics.setdefault("artifact_errors", []).append(f"{type(exc).__name__}: {exc}")
        return []


def run_loaded(
    loaded: LoadedScenario,
    project: Project,
    *,
    with_before: bool = True,
    artifacts: bool = True,
    artifact_stamp: str = "",
    isolate: bool = False,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
) -> ScenarioRun:
    """Run the fixed state, then (when ``before`` is given) the pre-fix state; with
    ``isolate``, in a forked child stopped after ``timeout_ms`` (see the module docstring)."""
    started = utc_now()
    clock = time.perf_counter()
    seed = loaded.model.effective_seed(loaded.path.stem)
    stamp = artifact_stamp or started.strftime("%Y%m%dT%H%M%SZ")
    run_id = uuid.uuid4().hex[:8]

    def context(side: str, progress: Progress) -> RunContext:
        return RunContext(
            project=project,
            postmortem=loaded.postmortem,
            incident=loaded.incident,
            scenario_name=loaded.name,
            scenario_display=loaded.display,
            seed=seed,
            side=side,
            artifacts_dir=(project.reports_dir / loaded.incident / "artifacts")
            if artifacts
            else None,
            # a random part, so two runs in the same second never share a chart file
            artifact_prefix=f"{stamp}-{loaded.name}-{run_id}",
            progress=progress,
        )

    sides: list[tuple[str, Any]] = [("fixed", loaded.kind.subject(loaded.model))]
    if with_before and loaded.model.before is not None:
        sides.append(("before", loaded.kind.before_subject(loaded.model)))

    def run_all(send: Callable[[SideResult], None]) -> None:
        for side, subject in sides:
            with _progress.shown(f"{loaded.incident}/{loaded.name}: {side}") as progress:
                result = run_side(loaded, subject, context(side, progress))
            send(result)

    if isolate and _forked.supported():
        preload(loaded.kind)
        with suppress(Exception):  # the child's run reports the same failure, located
            loaded.kind.prepare(loaded.model, project)
        results = _run_isolated(run_all, [side for side, _ in sides], timeout_ms)
    else:
        results = []
        run_all(results.append)
    results = [relative_tracebacks(result, project.root) for result in results]
    before = results[1] if len(results) > 1 else None
    return ScenarioRun(loaded, started, time.perf_counter() - clock, seed, results[0], before)


def preload(kind: AnyKind) -> None:
    """Import the kind's engine and packages in this process, once: every forked child then
    starts with them loaded (copy-on-write) instead of importing evidently or pandas again.
    Only speed depends on it: a package that fails to import fails again in the child, where
    the run reports it."""
    for name in (kind.engine, *kind.packages):
        if name and name not in sys.modules:
            with suppress(Exception):
                importlib.import_module(name)


def _run_isolated(
    run_all: Callable[[Callable[[SideResult], None]], None], sides: list[str], timeout_ms: int
) -> list[SideResult]:
    """Both sides in one forked child; a side it never reported becomes an ``error``."""

    def send_each(send: _forked.Send) -> None:
        run_all(lambda result: _send_side(send, result))

    forked = _forked.run_forked(send_each, timeout_ms / 1000)
    if forked.ending != "finished":  # a child stopped mid-run cannot erase its progress line
        _progress.erase()
    results = [m for m in forked.messages if isinstance(m, SideResult)][: len(sides)]
    if len(results) < len(sides):
        # The side that was running when the child ended; a later side never started.
        results.append(_lost(forked, sides[len(results)], timeout_ms))
    return results


def _send_side(send: _forked.Send, result: SideResult) -> None:
    try:
        send(result)
    except Exception as exc:  # a metric holding something that cannot be pickled
        message = f"internal error in closeout: the run's result cannot be passed back: {exc!r}"
        send(SideResult("error", error=message))


def _lost(forked: _forked.Forked, side: str, timeout_ms: int) -> SideResult:
    """The ``error`` of a side whose child process was stopped or ended before reporting."""
    which = "the pre-fix (before) run" if side == "before" else "the run"
    how = forked.detail or "ended"
    if forked.ending == "timed_out":
        return SideResult(
            "error",
            error=f"timed out: {which} was stopped after {forked.elapsed_s:.1f}s, past the "
            f"scenario's timeout of {format_duration_ms(timeout_ms)} (raise it with "
            "`timeout:` in the scenario if the subject needs longer)",
        )
    return SideResult(
        "error",
        error=f"the process running the scenario {how.splitlines()[0]} before "
        f"{which} finished (did the subject call os._exit(), get killed for lack of memory "
        "or crash the interpreter?)",
        traceback="\n".join(how.splitlines()[1:]) or None,
    )


def timeout_of(loaded: LoadedScenario, project: Project | None = None) -> int:
    """The scenario's ``timeout`` in milliseconds, else the project's ``[tool.closeout]
    timeout``, else the default (10 minutes)."""
    if loaded.model.timeout:
        return int(loaded.model.timeout)
    return project.timeout_ms if project is not None else DEFAULT_TIMEOUT_MS


def run_scenario_file(
    path: Path | str, project: Project | None = None, **options: Any
) -> ScenarioRun:
    """Load and run one scenario file (a ScenarioError propagates for a broken file)."""
    project = project or load_project()
    return run_loaded(load_scenario(project, Path(path).resolve()), project, **options)

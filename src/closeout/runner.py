"""Runs a scenario: the fixed state, then the pre-fix state, timed.

This is the one place where an exception becomes a verdict:

- ``SubjectError`` (the user's code raised)          -> ``fail``, traceback kept as evidence
- any other ``CloseoutError`` (bad input, bad data)  -> ``error``, the message kept
- anything else (a bug in closeout)                  -> ``error``, traceback kept
"""

from __future__ import annotations

import time
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from closeout._time import utc_now
from closeout.errors import CloseoutError, SubjectError
from closeout.kind import ArtifactWriter, KindResult, RunContext
from closeout.loader import LoadedScenario, load_scenario
from closeout.models import Outcome, VerdictName, combine
from closeout.project import Project, load_project


@dataclass
class SideResult:
    """The result of running one state (fixed or before) of a scenario."""

    verdict: VerdictName
    outcomes: list[Outcome] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    artifacts: list[str] = field(default_factory=list)
    error: str | None = None
    traceback: str | None = None


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
        result: KindResult = loaded.kind.run(loaded.model, subject, context)
        artifacts = write_artifacts(result.metrics, result.write_artifacts)
    except SubjectError as exc:
        return SideResult("fail", error=str(exc), traceback=exc.traceback_text)
    except CloseoutError as exc:
        return SideResult("error", error=str(exc))
    except Exception as exc:  # the one place a bug becomes a verdict
        return SideResult(
            "error", error=f"internal error in closeout: {exc!r}", traceback=traceback.format_exc()
        )
    return SideResult(
        combine(result.outcomes),
        result.outcomes,
        result.metrics,
        artifacts,
        traceback=result.traceback,
    )


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
) -> ScenarioRun:
    """Run the fixed state, then (when ``before`` is given) the pre-fix state."""
    started = utc_now()
    clock = time.perf_counter()
    seed = loaded.model.effective_seed(loaded.path.stem)
    stamp = artifact_stamp or started.strftime("%Y%m%dT%H%M%SZ")
    run_id = uuid.uuid4().hex[:8]

    def context(side: str) -> RunContext:
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
        )

    fixed = run_side(loaded, loaded.kind.subject(loaded.model), context("fixed"))
    before = None
    if with_before and loaded.model.before is not None:
        before = run_side(loaded, loaded.kind.before_subject(loaded.model), context("before"))
    return ScenarioRun(loaded, started, time.perf_counter() - clock, seed, fixed, before)


def run_scenario_file(
    path: Path | str, project: Project | None = None, **options: Any
) -> ScenarioRun:
    """Load and run one scenario file (a ScenarioError propagates for a broken file)."""
    project = project or load_project()
    return run_loaded(load_scenario(project, Path(path).resolve()), project, **options)

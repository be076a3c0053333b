"""``monitor: {evidently: module:function}`` at run time: call it, read its Report (SPEC §12).

The function is imported with the project's ``python_paths`` (``closeout.callables``) and
called without arguments; the ``Report`` it returns is translated (``evidently_report``)
into the ``DriftMonitor`` closeout's engine replays. Every problem is a ``DataError`` naming
the scenario line and the fix: evidently not installed, a module that cannot be imported, a
function returning something else than a Report, a Report with no drift metric or with an
element that cannot be replayed. An exception raised by the function itself is the subject
failing (``SubjectError``), as for any user code.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

from closeout.callables import call_subject, load_callable
from closeout.errors import DataError
from closeout.kind import RunContext
from closeout.kinds.drift_replay.columns import monitored_columns
from closeout.kinds.drift_replay.evidently_report import Plan, Unreplayable, translate
from closeout.kinds.drift_replay.source import located
from closeout.kinds.drift_replay.sources import open_source
from closeout.kinds.drift_replay.spec import DriftMonitor, DriftReplayScenario, EvidentlyMonitor

INSTALL = "pip install 'closeout[drift]'"


@dataclass(frozen=True)
class ReadMonitor:
    """The Report a scenario's monitor names, and the monitor closeout replays for it."""

    reference: str  # module:function, as the scenario names it
    report: Any  # the evidently Report, run again for the snapshot of the first alert
    plan: Plan
    monitor: DriftMonitor

    def summary(self) -> dict[str, Any]:
        """What the evidence says about the Report: where it came from, what was read."""
        return {"report": self.reference, "elements": self.plan.elements}


def read_monitor(
    spec: EvidentlyMonitor, scenario: DriftReplayScenario, context: RunContext
) -> ReadMonitor:
    """Call the scenario's Report factory and translate its Report (see the module docstring)."""
    where: tuple[str, ...] = ("monitor", "evidently")
    where = where if context.side == "fixed" else ("before", *where)
    report_class = _report_class(context, where)
    try:
        function = load_callable(spec.evidently, context.project)
    except DataError as exc:
        raise _import_problem(context, where, spec.evidently, str(exc)) from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        report = call_subject(function, what=spec.evidently)
    if not isinstance(report, report_class):
        raise located(
            context,
            where,
            f"{spec.evidently} returned {_what(report)}, not an evidently Report: return "
            "Report([...]) (from evidently import Report) with DataDriftPreset, "
            "DriftedColumnsCount or ValueDrift metrics",
        )
    try:
        plan = translate(report)
        monitor = _resolve(plan, spec, scenario, context)
    except Unreplayable as exc:
        raise located(context, where, f"{spec.evidently}: {exc}") from None
    return ReadMonitor(spec.evidently, report, plan, monitor)


def _resolve(
    plan: Plan, spec: EvidentlyMonitor, scenario: DriftReplayScenario, context: RunContext
) -> DriftMonitor:
    """The monitor; the columns' names and kinds are read first only when the plan needs
    them (a file read whole is cached, so the replay does not read it twice)."""
    if not plan.needs_data:
        return plan.monitor(spec.for_)
    reference = open_source(context, scenario.reference, "reference")
    try:
        current = open_source(context, scenario.current, "current")
        try:
            names, _ = monitored_columns(plan.columns, reference, current, scenario.timestamp)
            kinds = {n: kind for n in names if (kind := _kind(reference, n)) is not None}
        finally:
            current.release()
    finally:
        reference.release()
    return plan.monitor(spec.for_, names, kinds)


def _kind(source: Any, column: str) -> str | None:
    """A column's kind, or None when the replay will report it missing (its own message)."""
    if column not in source.names():
        return None
    kind = source.kind(column)
    return str(kind) if kind is not None else None


def _report_class(context: RunContext, where: tuple[str, ...]) -> type:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from evidently import Report
    except ImportError as exc:
        raise located(
            context,
            where,
            f"evidently is not installed ({exc}): a monitor given as an evidently Report needs "
            f"it: {INSTALL}",
        ) from None
    return Report  # type: ignore[no-any-return]


def _import_problem(
    context: RunContext, where: tuple[str, ...], reference: str, message: str
) -> DataError:
    """``load_callable``'s message, located, with the fix for the likely cause."""
    if "'evidently'" in message and ("ModuleNotFoundError" in message or "ImportError" in message):
        fix = f"the module imports evidently, which is not installed: {INSTALL}"
    else:
        fix = (
            "fix the module so that it imports, or the reference (package.module:function on "
            "the project's python_paths, or path/to/file.py:function)"
        )
    first, _, rest = message.partition("\n")
    return located(context, where, f"{first}\n{fix}" + (f"\n{rest}" if rest else ""))


def _what(value: Any) -> str:
    if value is None:
        return "None"
    return f"a {type(value).__module__}.{type(value).__qualname__}"

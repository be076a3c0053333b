"""The run summary shared by the CLI and the pytest plugin: where each test report carries its
summary row, and the text renderings of runs (no pytest; tables through ``closeout._terminal``,
which imports rich only when a table is rendered)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from closeout import _terminal
from closeout.models import Outcome
from closeout.runner import ScenarioRun, SideResult

SUMMARY_PROPERTY = "closeout"
"""The ``user_properties`` key of a run's summary row (JSON), set in the ``call`` report."""
BROKEN_PROPERTY = "closeout_invalid"
"""The ``user_properties`` key set in the ``setup`` report of a scenario file that is invalid."""

_VACUOUS = (
    "VACUOUS: the pre-fix state (before) passes every expectation too, so this "
    "scenario cannot tell the fix from the bug. Tighten the expectations until the "
    "pre-fix state fails."
)

_MARK = {"pass": "PASS", "fail": "FAIL", "inconclusive": "INCONCLUSIVE"}


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, plain: bool = False) -> str:
    """A left-aligned table with a header rule, for standard output: plain text through a
    pipe, coloured verdicts and states on a terminal (see ``closeout._terminal``); with
    ``plain``, plain text whatever the output and ``FORCE_COLOR`` (text that is kept)."""
    return _terminal.table(headers, [[_cell(v) for v in row] for row in rows], plain=plain)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}s"
    return str(value)


def outcomes_table(outcomes: Sequence[Outcome]) -> str:
    """Each expectation, observed against target; details of the ones that did not pass.
    Plain text always: it is a pytest failure report, kept in JUnit XML."""
    text = table(
        ["", "expectation", "observed", "target"],
        [[_MARK[o.outcome], o.name, o.observed, o.target] for o in outcomes],
        plain=True,
    )
    details = [
        f"{o.name}:\n{_indent(o.detail)}" for o in outcomes if o.detail and o.outcome != "pass"
    ]
    return "\n\n".join([text, *details])


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines())


def failure_report(run: ScenarioRun) -> str:
    """What a failing pytest item shows: each expectation, observed against target."""
    head = (
        f"{run.loaded.display}: scenario '{run.loaded.name}' ({run.loaded.kind.name}, "
        f"action {run.loaded.model.action})"
    )
    return "\n\n".join([head, *_fixed_parts(run.fixed), *_before_parts(run)])


def _fixed_parts(fixed: SideResult) -> list[str]:
    """What went wrong in the fixed state, if anything."""
    if fixed.verdict == "error":
        return [f"ERROR: the scenario could not run:\n{fixed.error}", *_present(fixed.traceback)]
    if fixed.verdict == "pass":
        return []
    parts = [f"fixed state: {fixed.verdict.upper()}", outcomes_table(fixed.outcomes)]
    if fixed.error:
        parts.append(f"the subject raised:\n{fixed.traceback or fixed.error}")
    return parts


def _before_parts(run: ScenarioRun) -> list[str]:
    """Whether the pre-fix state shows that the scenario tells the fix from the bug."""
    before = run.before
    if before is None:
        return []
    if run.vacuous:
        return [_VACUOUS, outcomes_table(before.outcomes)]
    if before.verdict == "error":
        return [
            f"ERROR: the pre-fix state (before) could not run, so the scenario "
            f"cannot show it tells the fix from the bug:\n{before.error}"
        ]
    if run.fixed.verdict == "pass":
        return [f"pre-fix state: {before.verdict}"]
    return []


def _present(text: str | None) -> list[str]:
    return [text] if text else []


def summary_table(rows: Sequence[dict[str, Any]]) -> str:
    """The run summary: first whether each run passed and, when not, why; then scenario,
    verdict, before-verdict, discriminating, duration."""
    return table(
        [
            "result",
            "incident",
            "action",
            "scenario",
            "verdict",
            "before",
            "discriminating",
            "duration",
        ],
        [
            [
                result_of(r),
                r.get("incident"),
                r.get("action"),
                r.get("scenario"),
                r.get("verdict"),
                r.get("before_verdict"),
                "no (vacuous)" if r.get("vacuous") else r.get("discriminating"),
                r.get("duration_s"),
            ]
            for r in rows
        ],
    )


def result_of(row: dict[str, Any]) -> str:
    """What the pytest item reported for a summary row, and why when it did not pass: a
    passing fixed state is still a failure when the pre-fix state passes too (vacuous)."""
    verdict, before = row.get("verdict"), row.get("before_verdict")
    if verdict == "error":
        return "error: could not run"
    if verdict == "fail":
        return "fail: an expectation failed"
    if verdict != "pass":
        return f"fail: {verdict}"
    if row.get("vacuous") or before == "pass":
        return "fail: vacuous, before passes too"
    if before == "error":
        return "error: before could not run"
    if row.get("passed") is False:  # a reason this summary does not carry
        return "fail"
    return "pass"

"""The first thing that went wrong in a scenario run, in one line, and the scenario line it
belongs to: the JUnit failure message, the GitHub annotation and the summary row name it
(SPEC §16: the first failing expectation with its observed and target values).
"""

from __future__ import annotations

from dataclasses import dataclass

from closeout._yaml import LineDict, LineList
from closeout.errors import CloseoutError
from closeout.loader import read_raw
from closeout.models import Outcome
from closeout.runner import ScenarioRun, SideResult

_EXPECT_KEY = "expect"


@dataclass(frozen=True)
class Failure:
    """What failed (one line) and the 1-based line of the scenario file it points at."""

    message: str
    line: int | None


def first_failure(run: ScenarioRun) -> Failure | None:
    """The first failing expectation of the fixed state, else why the run did not pass;
    None when it passed."""
    if run.passed:
        return None
    fixed = run.fixed
    if fixed.verdict == "error":
        return Failure(f"the scenario could not run: {_first_line(fixed.error)}", None)
    index, outcome = _first_bad(fixed)
    if outcome is not None:
        state = "fixed state" if run.before is not None else "scenario"
        return Failure(_describe(outcome, state), _expectation_line(run, index, outcome))
    if fixed.error:
        return Failure(f"the subject raised: {_first_line(fixed.error)}", None)
    if run.vacuous:
        return Failure(
            "vacuous: the pre-fix state (before) passes every expectation too",
            _key_line(run, "before"),
        )
    if run.before is not None and run.before.verdict == "error":
        message = f"the pre-fix state (before) could not run: {_first_line(run.before.error)}"
        return Failure(message, _key_line(run, "before"))
    return Failure(f"verdict {fixed.verdict}", None)


def _describe(outcome: Outcome, state: str) -> str:
    word = "inconclusive" if outcome.outcome == "inconclusive" else "failed"
    return (
        f"{state}: expectation '{outcome.name}' {word}: observed {outcome.observed}, "
        f"target {outcome.target}"
    )


def _first_bad(side: SideResult) -> tuple[int, Outcome | None]:
    """The first failing expectation, else the first inconclusive one."""
    for wanted in ("fail", "inconclusive"):
        for index, outcome in enumerate(side.outcomes):
            if outcome.outcome == wanted:
                return index, outcome
    return -1, None


def _first_line(text: str | None) -> str:
    lines = (text or "").strip().splitlines()
    return lines[0] if lines else "no detail"


def _raw(run: ScenarioRun) -> LineDict | None:
    try:
        raw, _ = read_raw(run.loaded.path, run.loaded.display)
    except (CloseoutError, OSError):
        return None  # the file changed or vanished since the run: no line, still the message
    return raw if isinstance(raw, LineDict) else None


def _key_line(run: ScenarioRun, key: str) -> int | None:
    raw = _raw(run)
    return raw.line_of(key) if raw is not None and key in raw else None


def _expectation_line(run: ScenarioRun, index: int, outcome: Outcome) -> int | None:
    """The line of the expectation behind ``outcome``: the list item at its index when the
    kind lists one outcome per expectation, the mapping key it names, else ``expect:``."""
    raw = _raw(run)
    if raw is None or _EXPECT_KEY not in raw:
        return None
    expect = raw[_EXPECT_KEY]
    if isinstance(expect, LineList) and len(expect) == len(run.fixed.outcomes):
        return expect.line_of(index)
    if isinstance(expect, LineDict):
        named = [key for key in expect if str(key) in outcome.name]
        if named:
            return expect.line_of(named[0])
    return raw.line_of(_EXPECT_KEY)

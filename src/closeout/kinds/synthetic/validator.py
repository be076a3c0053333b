"""validator mode: clean frames must be accepted, frames carrying each fault rejected.

``accepts_clean`` and each fault is its own expectation with its own outcome and
counterexample. Rejecting means returning ``False`` or raising (SPEC §4.4). A fault outside
``expect.rejects`` is still tried and its reject count reported, but it cannot fail.

Every frame serves every expectation: the edge cases first, then one search over generated
frames, each built once and judged clean and with each fault injected (the rows a fault
touches are picked by a seed hypothesis draws with the frame). The first expectation a
frame breaks is shrunk (hypothesis, then ``polish``), its shrunk frame is tried on the
expectations still open, and the search is repeated with the same seed without those that
broke, until every open expectation holds over ``examples`` frames.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter
from typing import TYPE_CHECKING, Any

from closeout.callables import call_subject
from closeout.errors import SubjectError
from closeout.kinds.synthetic.failure import Broken, Found
from closeout.kinds.synthetic.faults import (
    Injected,
    describe,
    inject_edge_case,
    injected_at_random,
    reinject,
)
from closeout.kinds.synthetic.frames import EdgeFrames, Generated, Row, frame_from_rows
from closeout.kinds.synthetic.polish import polish
from closeout.kinds.synthetic.report import (
    counterexample,
    failed_outcome,
    inconclusive_outcome,
    passed_outcome,
)
from closeout.kinds.synthetic.search import search
from closeout.kinds.synthetic.spec import DuplicateRowsFault, SyntheticScenario, ValidatorExpect
from closeout.kinds.synthetic.strategies import Timers, frames
from closeout.models import Outcome

if TYPE_CHECKING:
    import pandas as pd
    from hypothesis.strategies import SearchStrategy

ACCEPTS_CLEAN = "accepts_clean"
REJECTS_FAULT = "accepted a frame with the fault"


@dataclass
class Case:
    """One generated example: a clean frame and the seed picking the rows each fault touches."""

    clean: Generated
    seed: int


@dataclass
class Expectation:
    """``accepts_clean`` (no fault) or the rejection of one fault, and its tally."""

    name: str
    target: str
    fault: Any = None
    required: bool = True
    tried: int = 0
    rejected: int = 0
    skipped: int = 0  # frames in which no row could carry the fault

    def tally(self) -> tuple[int, int, int]:
        return self.tried, self.rejected, self.skipped


def expectations(scenario: SyntheticScenario) -> list[Expectation]:
    """``accepts_clean`` (unless switched off), then one expectation per fault, in order."""
    expect = scenario.expect or ValidatorExpect()
    out = []
    if expect.accepts_clean:
        out.append(Expectation(ACCEPTS_CLEAN, "accept every clean frame"))
    for index, fault in enumerate(scenario.faults):
        required = expect.rejects == "all" or index in expect.rejects
        out.append(
            Expectation(
                f"rejects faults[{index}] {fault.inject}: {describe(fault)}",
                "reject every frame" if required else "not required (not in expect.rejects)",
                fault,
                required,
            )
        )
    return out


def cases(clean: SearchStrategy[Generated]) -> SearchStrategy[Case]:
    """Clean frames, each with the seed that places the faults in it."""
    from hypothesis import strategies as st

    return st.builds(Case, clean, st.integers(0, 2**32 - 1))


class ValidatorRun:
    """The state of one validator run."""

    def __init__(
        self, scenario: SyntheticScenario, subject: Callable[..., Any], timers: Timers
    ) -> None:
        self.scenario = scenario
        self.subject = subject
        self.timers = timers
        self.distinct = any(isinstance(f, DuplicateRowsFault) for f in scenario.faults)
        self.clean = frames(scenario.columns, scenario.rows, timers, distinct_rows=self.distinct)
        self.expectations = expectations(scenario)
        self.found: dict[str, Found] = {}
        self.searches: list[dict[str, Any]] = []

    def run(self, edges: EdgeFrames, seed: int) -> tuple[list[Outcome], dict[str, Any]]:
        """Outcomes in expectation order, and the metrics of the run."""
        for label, generated in edges:
            for expectation in self._open():
                found = self._judge(expectation, generated, None, label, count=True)
                if found is not None:
                    self._record(self._polish(found)[0])
        # Each search counts afresh from the edge cases: the last one, in which everything
        # still open held, gives the figures reported.
        edge_tally = {e.name: e.tally() for e in self.expectations}
        strategy = cases(self.clean)
        while active := self._open():
            for e in active:
                e.tried, e.rejected, e.skipped = edge_tally[e.name]
            result = search(
                strategy, self._test(active), seed=seed, examples=self.scenario.examples
            )
            if result.found is None:
                self.searches.append(result.stats() | {"found": []})
                break
            shrunk, result.polish_calls = self._polish(result.found)
            self._record(shrunk)
            also = self._try_on_the_others(shrunk)
            self.searches.append(result.stats() | {"found": [shrunk.key, *also]})
        broken = [e.name for e in self.expectations if e.name in self.found]
        metrics = {
            "searches": self.searches,
            "counterexamples": {name: counterexample(self.found[name]) for name in broken},
        }
        return [self._outcome(e) for e in self.expectations], metrics

    def _open(self) -> list[Expectation]:
        return [e for e in self.expectations if e.name not in self.found]

    def _record(self, found: Found) -> None:
        self.found.setdefault(found.key, found)

    def _test(self, active: list[Expectation]) -> Callable[[Case, str | None], Found | None]:
        """The search's test: every open expectation, or only the one being shrunk."""

        def test(case: Case, target: str | None) -> Found | None:
            chosen = [e for e in active if e.name == target] if target else active
            for expectation in chosen:
                found = self._judge(
                    expectation, case.clean, case.seed, "generated", count=target is None
                )
                if found is not None:
                    return found
            return None

        return test

    def _try_on_the_others(self, shrunk: Found) -> list[str]:
        """Judge the open expectations on the clean frame of a shrunk counterexample.

        A frame one fault slipped through often lets others through: polishing it is far
        cheaper than another search and shrink. Returns the expectations it broke.
        """
        example = shrunk.example
        clean = example.clean if isinstance(example, Injected) else example
        if not isinstance(clean, Generated):
            return []
        broke = []
        for expectation in self._open():
            found = self._judge(expectation, clean, None, "generated", count=False)
            if found is not None:
                self._record(self._polish(found)[0])
                broke.append(expectation.name)
        return broke

    # ----------------------------------------------------------------------- judging

    def _judge(
        self,
        expectation: Expectation,
        clean: Generated,
        seed: int | None,
        source: str,
        count: bool,
    ) -> Found | None:
        """Judge one expectation on a clean frame; ``seed`` places the fault (None: the
        first rows it can change). ``count``: add the answer to the expectation's tally."""
        fault = expectation.fault
        if fault is None:
            return self._verdict(expectation, clean, clean.frame, source, count)
        started = perf_counter()
        if seed is None:
            injected = inject_edge_case(fault, clean)
        else:
            injected = injected_at_random(fault, clean, seed)
        self.timers.add("build", perf_counter() - started)
        if injected is None:  # no row of this frame can carry the fault
            expectation.skipped += count
            return None
        return self._verdict(expectation, injected, injected.frame, source, count)

    def _verdict(
        self,
        expectation: Expectation,
        example: Generated | Injected,
        frame: pd.DataFrame,
        source: str,
        count: bool,
    ) -> Found | None:
        rejected, answer = self._rejects(frame)
        if count:
            expectation.tried += 1
            expectation.rejected += rejected
        clean = expectation.fault is None
        if rejected != clean or not expectation.required:
            return None
        extra: dict[str, Any] = {}
        if isinstance(example, Injected):
            extra = {"fault": expectation.fault.model_dump(), "touched_rows": example.touched}
        return Found(expectation.name, frame, answer, source, extra, example=example)

    def _rejects(self, frame: pd.DataFrame) -> tuple[bool, Broken]:
        """Whether the validator rejects ``frame``, and how it answered (for the evidence)."""
        import numpy as np

        started = perf_counter()
        try:
            answer = call_subject(self.subject, frame.copy())
        except SubjectError as exc:
            return True, Broken(f"rejected by raising: {exc}", exc.traceback_text)
        finally:
            self.timers.add("subject", perf_counter() - started)
        # numpy's False is a rejection too (a validator may return `(df.x > 0).all()`)
        rejected = answer is False or (isinstance(answer, np.bool_) and not bool(answer))
        return rejected, Broken(f"{'rejected' if rejected else 'accepted'}: returned {answer!r}")

    # ----------------------------------------------------------------------- outcomes

    def _outcome(self, expectation: Expectation) -> Outcome:
        name, target = expectation.name, expectation.target
        found = self.found.get(name)
        if expectation.fault is None:
            if found is not None:
                return failed_outcome(name, found, target, "rejected a clean frame")
            total = expectation.tried
            return passed_outcome(name, f"accepted {total} of {total} clean frames", target)
        if found is not None:
            return failed_outcome(name, found, target, REJECTS_FAULT)
        if expectation.tried == 0:
            frames = f"{expectation.skipped} frame{'s' * (expectation.skipped != 1)}"
            observed = f"not judged: none of the {frames} had a row the fault changes"
            return inconclusive_outcome(name, observed, target)
        observed = f"rejected {expectation.rejected} of {expectation.tried} frames"
        if expectation.skipped:
            observed += f" ({expectation.skipped} more had no row the fault changes)"
        return passed_outcome(name, observed, target)

    # ----------------------------------------------------------------------- polishing

    def _polish(self, found: Found) -> tuple[Found, int]:
        """Polish a counterexample, re-injecting the fault into each smaller clean frame."""
        expectation = next(e for e in self.expectations if e.name == found.key)
        example = found.example
        if isinstance(example, Injected):
            touched = set(example.touched or [])
            clean: Any = example.clean

            def attempt(rows: list[Row], indexes: list[int]) -> Found | None:
                wanted = [new for new, old in enumerate(indexes) if old in touched]
                carried = reinject(expectation.fault, self._generated(rows), wanted)
                if carried is None:
                    return None
                return self._verdict(expectation, carried, carried.frame, "generated", False)

        else:
            clean = example

            def attempt(rows: list[Row], indexes: list[int]) -> Found | None:
                generated = self._generated(rows)
                return self._verdict(expectation, generated, generated.frame, "generated", False)

        columns, rows = self.scenario.columns, self.scenario.rows
        return polish(found, clean, columns, rows, self.distinct, attempt)

    def _generated(self, rows: list[Row]) -> Generated:
        started = perf_counter()
        frame = frame_from_rows(self.scenario.columns, rows)
        self.timers.add("build", perf_counter() - started)
        return Generated(frame, rows)

"""validator mode: clean frames must be accepted, frames carrying each fault rejected.

``accepts_clean`` and each fault is its own expectation with its own search (edge cases
first, as clean frames and as the first frames each fault is injected into). Rejecting means
returning ``False`` or raising (SPEC §4.4). A fault outside ``expect.rejects`` is still tried
and its reject count reported, but it cannot fail.
"""

from __future__ import annotations

from collections.abc import Callable
from time import perf_counter
from typing import TYPE_CHECKING, Any

from closeout.callables import call_subject
from closeout.errors import SubjectError
from closeout.kinds.synthetic.failure import Broken, Found
from closeout.kinds.synthetic.faults import (
    Injected,
    describe,
    inject_edge_case,
    injected_frames,
    reinject,
)
from closeout.kinds.synthetic.frames import EdgeFrames, Generated, frame_from_rows
from closeout.kinds.synthetic.polish import Attempt, polish
from closeout.kinds.synthetic.report import counterexample, failed_outcome, passed_outcome
from closeout.kinds.synthetic.search import search
from closeout.kinds.synthetic.spec import DuplicateRowsFault, SyntheticScenario, ValidatorExpect
from closeout.kinds.synthetic.strategies import Timers, frames
from closeout.models import Outcome

if TYPE_CHECKING:
    import pandas as pd

ACCEPTS_CLEAN = "accepts_clean"


class ValidatorRun:
    """The state of one validator run."""

    def __init__(
        self, scenario: SyntheticScenario, subject: Callable[..., Any], timers: Timers
    ) -> None:
        self.scenario = scenario
        self.subject = subject
        self.timers = timers
        self.expect = scenario.expect or ValidatorExpect()
        self.distinct = any(isinstance(f, DuplicateRowsFault) for f in scenario.faults)
        self.clean = frames(scenario.columns, scenario.rows, timers, distinct_rows=self.distinct)
        self.found: dict[str, Found] = {}
        self.searches: dict[str, Any] = {}
        self.polish_calls: dict[str, int] = {}

    def run(self, edges: EdgeFrames, seed: int) -> tuple[list[Outcome], dict[str, Any]]:
        outcomes = []
        if self.expect.accepts_clean:
            outcomes.append(self._accepts_clean(edges, seed))
        for index, fault in enumerate(self.scenario.faults):
            rejects = self.expect.rejects
            required = rejects == "all" or index in rejects
            outcomes.append(self._rejects_fault(index, fault, required, edges, seed))
        metrics = {
            "searches": self.searches,
            "counterexamples": {name: counterexample(f) for name, f in self.found.items()},
        }
        return outcomes, metrics

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

    def _fail(self, name: str, found: Found, target: str, observed: str) -> Outcome:
        self.found[name] = found
        return failed_outcome(name, found, target, observed)

    # ----------------------------------------------------------------------- accepts_clean

    def _accepts_clean(self, edges: EdgeFrames, seed: int) -> Outcome:
        name, target, observed = ACCEPTS_CLEAN, "accept every clean frame", "rejected a clean frame"

        def judge(generated: Generated, source: str = "generated") -> Found | None:
            rejected, answer = self._rejects(generated.frame)
            if not rejected:
                return None
            return Found(name, generated.frame, answer, source, example=generated)

        def attempt(rows: list[tuple[Any, ...]], indexes: list[int]) -> Found | None:
            return judge(self._generated(rows))

        for label, generated in edges:
            found = judge(generated, label)
            if found is not None:
                found, _ = self._polish(found, generated, attempt)
                return self._fail(name, found, target, observed)
        result = search(
            self.clean, lambda g, _key: judge(g), seed=seed, examples=self.scenario.examples
        )
        if result.found is not None:
            found, result.polish_calls = self._polish(result.found, result.found.example, attempt)
            self.searches[name] = result.stats()
            return self._fail(name, found, target, observed)
        self.searches[name] = result.stats()
        total = len(edges) + result.generated
        return passed_outcome(name, f"accepted {total} of {total} clean frames", target)

    # ----------------------------------------------------------------------- faults

    def _rejects_fault(
        self, index: int, fault: Any, required: bool, edges: EdgeFrames, seed: int
    ) -> Outcome:
        name = f"rejects faults[{index}] {fault.inject}: {describe(fault)}"
        target = "reject every frame" if required else "not required (not in expect.rejects)"
        observed = "accepted a frame with the fault"
        tally = {"rejected": 0, "tried": 0}

        def judge(injected: Injected, source: str, count: bool) -> Found | None:
            rejected, answer = self._rejects(injected.frame)
            if count:
                tally["tried"] += 1
                tally["rejected"] += rejected
            if rejected or not required:
                return None
            extra = {"fault": fault.model_dump(), "touched_rows": injected.touched}
            return Found(name, injected.frame, answer, source, extra, example=injected)

        def polished(found: Found) -> Found:
            example: Injected = found.example
            touched = set(example.touched or [])

            def attempt(rows: list[tuple[Any, ...]], indexes: list[int]) -> Found | None:
                wanted = [new for new, old in enumerate(indexes) if old in touched]
                carried = reinject(fault, self._generated(rows), wanted)
                return judge(carried, "generated", False) if carried is not None else None

            best, calls = self._polish(found, example.clean, attempt)
            self.polish_calls[name] = calls
            return best

        for label, generated in edges:
            carried = inject_edge_case(fault, generated)
            found = judge(carried, label, True) if carried is not None else None
            if found is not None:
                return self._fail(name, polished(found), target, observed)

        def test(injected: Injected, target_key: str | None) -> Found | None:
            return judge(injected, "generated", target_key is None)

        strategy = injected_frames(fault, self.clean, self.timers)
        result = search(strategy, test, seed=seed, examples=self.scenario.examples)
        key = f"faults[{index}]"
        if result.found is not None:
            found = polished(result.found)
            result.polish_calls = self.polish_calls.pop(name, 0)
            self.searches[key] = result.stats()
            return self._fail(name, found, target, observed)
        self.searches[key] = result.stats()
        return passed_outcome(
            name, f"rejected {tally['rejected']} of {tally['tried']} frames", target
        )

    # ----------------------------------------------------------------------- helpers

    def _generated(self, rows: list[tuple[Any, ...]]) -> Generated:
        started = perf_counter()
        frame = frame_from_rows(self.scenario.columns, rows)
        self.timers.add("build", perf_counter() - started)
        return Generated(frame, rows)

    def _polish(self, found: Found, generated: Any, attempt: Attempt) -> tuple[Found, int]:
        columns, rows = self.scenario.columns, self.scenario.rows
        return polish(found, generated, columns, rows, self.distinct, attempt)

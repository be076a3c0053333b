"""transform mode: every property over the edge cases and generated frames.

Edge cases are judged on every property first. Then a search runs over generated frames
until one breaks a property; that failure is shrunk (hypothesis, then ``polish``) and
recorded, and the search is repeated with the same seed without that property, until every
remaining property holds over ``examples`` frames. An exception in the subject breaks
``no_exception``; the other properties cannot be judged on that frame and skip it. A
property skipped on every frame is ``inconclusive``, not a pass: it was never judged.
"""

from __future__ import annotations

from collections.abc import Callable
from time import perf_counter
from typing import TYPE_CHECKING, Any

from closeout.callables import call_subject
from closeout.errors import SubjectError
from closeout.kinds.synthetic.failure import Broken, Found
from closeout.kinds.synthetic.frames import EdgeFrames, Generated, frame_from_rows
from closeout.kinds.synthetic.polish import polish
from closeout.kinds.synthetic.properties import NO_EXCEPTION, Property, properties
from closeout.kinds.synthetic.report import (
    counterexample,
    failed_outcome,
    inconclusive_outcome,
    passed_outcome,
)
from closeout.kinds.synthetic.search import search
from closeout.kinds.synthetic.spec import SyntheticScenario
from closeout.kinds.synthetic.strategies import Timers, frames
from closeout.models import Outcome

if TYPE_CHECKING:
    import pandas as pd


class TransformRun:
    """The state of one transform run: properties, counts, failures, timers."""

    def __init__(
        self,
        scenario: SyntheticScenario,
        subject: Callable[..., Any],
        checks: dict[str, Callable[..., Any]],
        timers: Timers,
    ) -> None:
        self.scenario = scenario
        self.subject = subject
        self.props = properties(scenario, checks)
        self.timers = timers
        self.broken: dict[str, Found] = {}
        self.held = dict.fromkeys((p.name for p in self.props), 0)
        self.tried = dict.fromkeys((p.name for p in self.props), 0)
        self.searches: list[dict[str, Any]] = []
        self.edge_polish_calls = 0

    def run(self, edges: EdgeFrames, seed: int) -> tuple[list[Outcome], dict[str, Any]]:
        """Outcomes in property order, and the metrics of the run."""
        for label, generated in edges:
            self._judge_edge_case(label, generated)
        for key, found in list(self.broken.items()):
            self.broken[key], calls = self._polish(found)
            self.edge_polish_calls += calls
        self.edge_held = edge_held = dict(self.held)
        active = [p for p in self.props if p.name not in self.broken]
        strategy = frames(self.scenario.columns, self.scenario.rows, self.timers)
        while active:
            counts = dict.fromkeys((p.name for p in active), 0)

            def test(
                generated: Generated,
                target: str | None,
                active: list[Property] = active,
                counts: dict[str, int] = counts,
            ) -> Found | None:
                chosen = [p for p in active if p.name == target] if target else active
                return self._judge_first(chosen, generated, None if target else counts)

            result = search(strategy, test, seed=seed, examples=self.scenario.examples)
            for name, count in counts.items():
                self.held[name] = edge_held[name] + count
                self.tried[name] = len(edges) + result.generated
            if result.found is not None:
                found, result.polish_calls = self._polish(result.found)
                self.broken[found.key] = found
                active = [p for p in active if p.name != found.key]
            self.searches.append(result.stats())
            if result.found is None:
                break
        outcomes = [self._outcome(p) for p in self.props]
        metrics = {
            "edge_case_polish_calls": self.edge_polish_calls,
            "searches": self.searches,
            "counterexamples": {name: counterexample(f) for name, f in self.broken.items()},
        }
        return outcomes, metrics

    def _call(self, frame: pd.DataFrame) -> pd.DataFrame | Broken:
        import pandas as pd

        started = perf_counter()
        try:
            output = call_subject(self.subject, frame.copy())
        except SubjectError as exc:
            return Broken(str(exc), exc.traceback_text)
        finally:
            self.timers.add("subject", perf_counter() - started)
        if not isinstance(output, pd.DataFrame):
            return Broken(f"returned {type(output).__name__}, not a DataFrame")
        return output

    def _judge(self, prop: Property, frame: pd.DataFrame, output: pd.DataFrame) -> Broken | None:
        started = perf_counter()
        try:
            return prop.judge(frame, output)
        finally:
            # check callables are user code: their time counts as the subject's
            bucket = "subject" if prop.name.startswith("check:") else "properties"
            self.timers.add(bucket, perf_counter() - started)

    def _judge_edge_case(self, label: str, generated: Generated) -> None:
        frame = generated.frame
        output = self._call(frame)
        if isinstance(output, Broken):
            self._record(Found(NO_EXCEPTION, frame, output, label, example=generated))
            return
        for prop in self.props:
            broken = self._judge(prop, frame, output)
            if broken is None:
                self.held[prop.name] += 1
            else:
                self._record(Found(prop.name, frame, broken, label, example=generated))

    def _record(self, found: Found) -> None:
        self.broken.setdefault(found.key, found)

    def _judge_first(
        self, props: list[Property], generated: Generated, counts: dict[str, int] | None
    ) -> Found | None:
        frame = generated.frame
        output = self._call(frame)
        if isinstance(output, Broken):
            if any(p.name == NO_EXCEPTION for p in props):
                return Found(NO_EXCEPTION, frame, output, example=generated)
            return None  # no output: the other properties cannot be judged on this frame
        for prop in props:
            broken = self._judge(prop, frame, output)
            if broken is not None:
                return Found(prop.name, frame, broken, example=generated)
            if counts is not None:
                counts[prop.name] += 1
        return None

    def _polish(self, found: Found) -> tuple[Found, int]:
        prop = [p for p in self.props if p.name == found.key]
        columns = self.scenario.columns

        def attempt(rows: list[tuple[Any, ...]], indexes: list[int]) -> Found | None:
            started = perf_counter()
            generated = Generated(frame_from_rows(columns, rows), rows)
            self.timers.add("build", perf_counter() - started)
            return self._judge_first(prop, generated, None)

        return polish(found, found.example, columns, self.scenario.rows, False, attempt)

    def _outcome(self, prop: Property) -> Outcome:
        name = prop.name + (" (implied)" if prop.implied else "")
        found = self.broken.get(prop.name)
        if found is not None:
            return failed_outcome(name, found, prop.target)
        held, edge = self.held[prop.name], self.edge_held[prop.name]
        if held == 0:  # every frame was skipped: a property judged on no frame did not hold
            tried = self.tried[prop.name]
            observed = (
                f"not judged: the subject returned no DataFrame for any of the {tried} "
                f"frame{'s' * (tried != 1)} (see {NO_EXCEPTION})"
            )
            return inconclusive_outcome(name, observed, prop.target)
        where = f"{edge} edge case{'s' * (edge != 1)} + {held - edge} generated"
        skipped = self.tried[prop.name] - held
        if skipped > 0:  # the subject raised on them: see no_exception
            where += f"; {skipped} skipped, the subject raised"
        return passed_outcome(
            name, f"held on {held} frame{'s' * (held != 1)} ({where})", prop.target
        )

"""One hypothesis search: generate examples, stop at the first failure, shrink it.

Reproducible by construction: ``@seed`` from the scenario seed, no example database, no
deadline, ``derandomize=False`` and a parent profile pinned to hypothesis' ``default``, so
the ``ci`` profile hypothesis loads by itself when ``CI`` is set cannot change what runs.

The test given to ``search`` reports a ``Found`` (the failing example, what broke and a key
naming the broken expectation) or None. The search locks onto the key of the first failure,
so shrinking minimises *that* failure and cannot wander to another property.

Every example tried is reported to the run's progress (``reporting``): examples generated out
of ``examples``, then the shrink steps, so a long search shows how far it is on a terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from time import perf_counter
from typing import TYPE_CHECKING, Any

from closeout.errors import DataError
from closeout.kind import Progress
from closeout.kinds.synthetic.failure import Found

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy


@dataclass
class Search:
    """What one search did: examples before the failure (or all), shrink steps, seconds."""

    found: Found | None = None
    generated: int = 0
    shrink_calls: int = 0
    polish_calls: int = 0
    seconds: float = 0.0

    def stats(self) -> dict[str, Any]:
        return {
            "generated": self.generated,
            "shrink_calls": self.shrink_calls,
            "polish_calls": self.polish_calls,
            "seconds": round(self.seconds, 4),
        }


_PROGRESS: ContextVar[Progress | None] = ContextVar("closeout_synthetic_progress", default=None)


@contextmanager
def reporting(progress: Progress) -> Iterator[None]:
    """Report every search inside the block to ``progress`` (the run context's)."""
    token = _PROGRESS.set(progress)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


class _Falsified(Exception):
    """Raised inside the hypothesis test to mark an example as failing."""


Test = Callable[[Any, "str | None"], "Found | None"]


def _settings(examples: int) -> Any:
    from hypothesis import HealthCheck, Phase, Verbosity, settings

    return settings(
        parent=settings.get_profile("default"),
        database=None,
        deadline=None,
        derandomize=False,
        max_examples=examples,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        print_blob=False,
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
        # filter_too_much stays on: it means the columns are too constrained to generate.
        suppress_health_check=[h for h in HealthCheck if h is not HealthCheck.filter_too_much],
    )


def search(strategy: SearchStrategy[Any], test: Test, *, seed: int, examples: int) -> Search:
    """Run ``test`` on up to ``examples`` examples; shrink and return the first failure."""
    from hypothesis import given
    from hypothesis import seed as fix_seed
    from hypothesis.errors import Flaky, HypothesisException

    result = Search()
    target: list[str] = []
    calls = [0]
    progress = _PROGRESS.get()

    def probe(example: Any) -> None:
        calls[0] += 1
        if progress is not None:
            if target:
                progress(calls[0] - result.generated, None, "shrink steps")
            else:
                progress(calls[0], examples, "examples")
        found = test(example, target[0] if target else None)
        if found is None:
            return
        if not target:
            target.append(found.key)
            result.generated = calls[0]
        result.found = found
        raise _Falsified

    started = perf_counter()
    hypothesis_test = _settings(examples)(fix_seed(seed)(given(strategy)(probe)))
    try:
        hypothesis_test()
    except _Falsified:
        pass
    except Flaky:
        if result.found is not None:
            result.found.flaky = True
    except HypothesisException as exc:
        raise DataError(f"cannot generate frames for these columns: {_first_line(exc)}") from None
    result.seconds = perf_counter() - started
    if target:
        result.shrink_calls = calls[0] - result.generated
    else:
        result.generated = calls[0]
    return result


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__

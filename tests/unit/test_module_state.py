"""Module-level state must not outlive the modules it came from.

pytester's in-process runs (and any reloader) drop from ``sys.modules`` the modules imported
during a run, while closeout modules imported before it stay. A memo in a surviving module
that holds objects of a dropped one then mixes two generations of classes: a threshold
scenario validated with the old ``spec`` classes was judged by a freshly imported engine
with new ones, every expectation fell through to "never fires", and a good scenario
failed (tests/functional/test_plugin.py when anything had imported ``closeout.loader``
first).

Expected values (worked out by hand from the conftest ``SCENARIO``, interval 5m):
    error_rate "0.01x11 0.08x11 0.01x11" -> 0.01 at 0m..55m, 0.08 at 1h..1h55m.
    fixed  `error_rate > 0.05 for 15m`: pending at 1h, fires at 1h15m -> not firing at 55m
           (pass), first fires at 1h15m (pass): verdict pass.
    before `error_rate > 0.1 for 15m`: never holds -> not firing at 55m (pass), never fires
           where 1h15m is wanted (fail): verdict fail.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from tests.conftest import SCENARIO, Write

from closeout import kinds
from closeout.kinds import get_kind
from closeout.loader import load_scenario
from closeout.project import load_project
from closeout.runner import ScenarioRun, run_loaded

PACKAGE = "closeout.kinds.threshold"
WANTED = [
    ("HighErrorRate at 55m", "pass", "pass"),
    ("HighErrorRate first fires at", "pass", "fail"),
]


def _in_package(name: str) -> bool:
    return name == PACKAGE or name.startswith(PACKAGE + ".")


@pytest.fixture
def forget_threshold() -> Iterator[Callable[[], None]]:
    """Drop the threshold kind's modules from ``sys.modules``, as pytester does after a run;
    afterwards put the dropped ones back, so later tests see one generation of classes."""
    saved: dict[str, ModuleType] = {}
    attribute: list[object] = []

    def forget() -> None:
        saved.update({n: m for n, m in sys.modules.items() if _in_package(n)})
        # Importing the package again rebinds it on its parent, which stays.
        attribute.append(vars(kinds)["threshold"])
        for name in saved:
            del sys.modules[name]

    yield forget
    for name in [n for n in sys.modules if _in_package(n)]:
        del sys.modules[name]
    sys.modules.update(saved)
    if attribute:
        vars(kinds)["threshold"] = attribute[0]


def _run(project_dir: Path) -> ScenarioRun:
    project = load_project()
    loaded = load_scenario(project, project_dir / "scenarios" / "INC-1" / "a1.yaml")
    return run_loaded(loaded, project, artifacts=False)


def _table(run: ScenarioRun) -> list[tuple[str, str, str]]:
    assert run.before is not None
    fixed = [(o.name, o.outcome) for o in run.fixed.outcomes]
    before = [o.outcome for o in run.before.outcomes]
    return [(name, outcome, b) for (name, outcome), b in zip(fixed, before, strict=True)]


def test_a_scenario_runs_the_same_after_its_kind_modules_are_imported_again(
    project_dir: Path, write: Write, forget_threshold: Callable[[], None]
) -> None:
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    first = _run(project_dir)
    assert (first.verdict, first.before_verdict) == ("pass", "fail")
    assert _table(first) == WANTED

    forget_threshold()
    again = _run(project_dir)

    assert (again.verdict, again.before_verdict) == ("pass", "fail")
    assert _table(again) == WANTED


def test_the_registry_hands_out_the_kind_of_the_modules_in_use(
    forget_threshold: Callable[[], None],
) -> None:
    old = get_kind("threshold")
    forget_threshold()
    spec = importlib.import_module(f"{PACKAGE}.spec")
    kind = get_kind("threshold")
    assert kind is not old
    assert kind.model is spec.ThresholdScenario
    assert type(kind).__module__ in sys.modules
    assert sys.modules[type(kind).__module__].KIND is kind

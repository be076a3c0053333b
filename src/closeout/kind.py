"""The kind contract: what a scenario kind gives closeout, and what closeout gives it back.

A *kind* is one way of proving an action item (``threshold``, ``drift_replay``, ``shadow``,
``synthetic``, or one from another distribution). It is a ``Kind`` object, usually a
module-level ``KIND = MyKind()`` in the kind's entry module, and it provides:

``name``       the value of ``kind:`` in scenario files.
``model``      the YAML model: a ``ScenarioBase`` subclass (pydantic v2, frozen) with a
               ``kind: Literal["<name>"]`` field and a ``subject_key`` naming the field that
               holds the subject under test (``rules``, ``monitor``, ``candidate``, ...).
               Its ``before`` field, when given, holds the pre-fix subject under the same key.
``check``      static cross-field checks for ``closeout lint``: names defined, files present.
               No data is read and no heavy library is imported; return ``Problem`` values
               located with ``locate(path)``.
``data_files`` the project-relative data files the scenario reads (hashed into evidence).
``code_files`` the source files of the user code it calls (hashed; a change makes a closed
               action ``stale``).
``engine``     the dotted name of the module whose ``run(scenario, subject, context)`` runs
               one side of the scenario and returns a ``KindResult``. It is imported only
               when a scenario runs, so ``lint``, ``status`` and ``schema`` never pay for
               pandas, NumPy or evidently. (Or override ``run``: a kind does one of the two.)
``figures``    the key figures a report shows for a run, from the run's ``metrics``.
``render_artifacts`` pages rendered from its run artifacts only on request (``closeout report
               --evidently``: evidently's HTML view of a drift snapshot); none by default.
``template``   a commented, lint-clean scenario of the kind, the one ``closeout init``
               scaffolds for it (``template.yaml`` beside the entry module by default).
``packages``   the distributions whose versions shape verdicts (a plugin names its own too);
               their versions are recorded in every run's ``environment.packages``.
``extra``      the requirement that installs what the engine needs beyond closeout's core
               (``"closeout[drift]"``; empty for a core kind), and ``requires`` the top-level
               modules it brings (``("evidently", "scipy")``). A scenario of a kind whose
               ``requires`` are not all importable is an ``error`` saying what to install
               (``drift_replay needs closeout[drift]: pip install 'closeout[drift]'``); its
               file is still validated and linted, which never imports them.

Kinds return data and never decide verdicts from exceptions: the runner is the one place
where an exception becomes a verdict (``SubjectError`` from user code is a ``fail`` with its
traceback; any other ``CloseoutError`` an ``error``; anything else an internal ``error``).
Artifacts are returned as a writer (``KindResult.write_artifacts``) that the runner calls
under the same guard, so a chart that cannot be written never changes a verdict.

Registering: a built-in kind is one folder ``closeout/kinds/<name>/`` and one line in
``closeout.kinds._BUILTIN``; a kind in another distribution is one entry point in the group
``closeout.kinds``::

    [project.entry-points."closeout.kinds"]
    latency = "closeout_latency.kind:KIND"

It is then valid in ``kind:``, in lint, schema, pytest, evidence, state and reports exactly
like a built-in kind. Kinds import the contract (this module), ``closeout.models``,
``closeout.errors``, ``closeout.project`` and ``closeout.callables`` (built-in kinds also the
private toolkit ``closeout.kinds._toolkit``); never each other, the loader, the runner, the
evidence store or reports (``nox -s lint`` checks it for the built-in kinds).

The kind-author guide, with a complete one-module kind and how to test it, is
``docs/kinds.md``.
"""

from __future__ import annotations

import importlib
import importlib.util
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from closeout._format import number, stamp
from closeout.errors import CloseoutError, Location, Problem
from closeout.models import Outcome, Postmortem, ScenarioBase
from closeout.project import Project

ScenarioT = TypeVar("ScenarioT", bound=ScenarioBase)

Locate = Callable[[tuple[str | int, ...]], Location]

#: Key figures for a report: (label, value) pairs, in display order.
Figures = list[tuple[str, str]]


Progress = Callable[[int, "int | None", str], None]
"""``progress(done, total, unit)``: how far a long run is (see ``RunContext.progress``)."""


def _no_progress(done: int, total: int | None, unit: str) -> None:
    """The default ``RunContext.progress``: show nothing."""


@dataclass(frozen=True)
class RunContext:
    """What a kind needs to run one side (fixed or before) of a scenario."""

    project: Project
    postmortem: Postmortem
    incident: str
    scenario_name: str
    scenario_display: str
    seed: int
    side: str  # "fixed" | "before"
    artifacts_dir: Path | None  # None: write no artifacts
    artifact_prefix: str
    # Long kinds report how far they are: ``progress(done, total, unit)``, e.g.
    # ``progress(12, 48, "windows")``; ``total`` is None when unknown. The runner decides
    # whether anything is shown (a terminal) or not; kinds call it freely, it is cheap.
    progress: Progress = _no_progress


ArtifactWriter = Callable[[], list[str]]


@dataclass
class KindResult:
    """Expectation outcomes, metrics and an artifact writer for one side of a run."""

    outcomes: list[Outcome]
    metrics: dict[str, Any] = field(default_factory=dict)
    # Writes the run's charts and reports and returns their project-relative paths. The
    # runner calls it under its guard: a failure is noted in ``metrics["artifact_errors"]``.
    write_artifacts: ArtifactWriter | None = None
    # The subject's traceback when user code raised but the kind judged it per example
    # (synthetic) instead of letting the exception end the run.
    traceback: str | None = None
    # What the run actually used, resolved at run time, when the scenario file does not pin
    # it: e.g. an MLflow model's resolved version, run id and folder sha256. It goes into the
    # evidence and into staleness: a changed value makes a closed action stale.
    inputs: dict[str, Any] = field(default_factory=dict)


class MissingExtra(CloseoutError):
    """The optional dependencies a kind needs (its extra) are not installed."""


class Engine(Protocol):
    """The module a kind names in ``Kind.engine``."""

    def run(self, scenario: Any, subject: Any, context: RunContext) -> KindResult: ...


class Kind(ABC, Generic[ScenarioT]):
    """The interface every scenario kind implements (see the module docstring)."""

    name: str
    model: type[ScenarioT]
    engine: str = ""
    packages: tuple[str, ...] = ()
    extra: str = ""
    requires: tuple[str, ...] = ()

    @abstractmethod
    def check(self, scenario: ScenarioT, project: Project, locate: Locate) -> list[Problem]:
        """Static cross-field checks (names defined, files exist); no data is read."""

    def prepare(self, scenario: ScenarioT, project: Project) -> None:
        """Load what several runs can share (e.g. a model) in the parent process, before the
        runner forks the isolated run; a failure here is reported by the run itself."""

    def notes(self, scenario: ScenarioT, project: Project, locate: Locate) -> list[Problem]:
        """``info`` lines for lint (e.g. which engine a scenario will use); never errors. By
        default, the warning that the kind's extra is missing: an override keeps it by
        adding ``super().notes(...)``."""
        message = self.missing_extra()
        if message is None:
            return []
        text = f"{message}; the file is valid, but running it here is an error until then"
        return [Problem(locate(("kind",)), "kind", text, "warning")]

    @abstractmethod
    def data_files(self, scenario: ScenarioT) -> list[str]:
        """Project-relative paths of every data file the scenario reads."""

    def code_files(self, scenario: ScenarioT, project: Project) -> list[Path]:
        """Source files of every callable the scenario uses (for evidence hashing)."""
        return []

    def subject(self, scenario: ScenarioT) -> Any:
        """The fixed state under test."""
        return getattr(scenario, scenario.subject_key)

    def before_subject(self, scenario: ScenarioT) -> Any:
        """The pre-fix state under test."""
        return getattr(scenario.before, scenario.subject_key)

    def run(self, scenario: ScenarioT, subject: Any, context: RunContext) -> KindResult:
        """Run ``subject`` against the scenario's data and expectations (via ``engine``)."""
        engine: Engine = importlib.import_module(self.engine)
        return engine.run(scenario, subject, context)

    def missing(self) -> list[str]:
        """The modules of ``requires`` this environment cannot import (found, not imported:
        asking costs no import of evidently or scipy)."""
        return [module for module in self.requires if not _importable(module)]

    def missing_extra(self) -> str | None:
        """What to install before scenarios of the kind can run; None when they can."""
        missing = self.missing()
        if not missing:
            return None
        needs = self.extra or ", ".join(missing)
        install = f"pip install '{self.extra}'" if self.extra else "install them"
        return f"{self.name} needs {needs}: {install} (not installed: {', '.join(missing)})"

    def require(self) -> None:
        """Raise ``MissingExtra`` naming the extra when the kind cannot run here."""
        message = self.missing_extra()
        if message is not None:
            raise MissingExtra(message)

    def changed_inputs(self, resolved: Mapping[str, Any], project: Project) -> list[str]:
        """Whether what a run resolved (its ``KindResult.inputs``, recorded as evidence
        ``inputs.resolved``) still resolves the same today: one sentence per change (e.g. a
        model version registered again), which makes a closed action ``stale``. Called by
        ``status`` for every counted record, so it must be cheap and import nothing heavy;
        by default nothing is checked."""
        return []

    def figures(self, metrics: Mapping[str, Any]) -> Figures:
        """Key figures for reports; by default every scalar metric, as it is."""
        return generic_figures(metrics)

    def render_artifacts(
        self, artifacts: list[Path], project: Project
    ) -> tuple[list[str], list[str]]:
        """Pages rendered only on request (``closeout report --evidently``, SPEC §12) from the
        kind's run artifacts, e.g. evidently's HTML view of a snapshot JSON, written beside
        them. ``artifacts`` are the files of the chosen incidents' ``reports/<INC>/artifacts``
        folders, every kind's: pick yours by name. Returns the project-relative paths written
        and the problems, one sentence each (a file that is not what its name says, a missing
        extra): a bad file never raises. Heavy libraries are imported here, never before. By
        default there is nothing to render."""
        return [], []

    def template(self) -> str | None:
        """The scenario ``closeout init`` scaffolds for the kind: ``template.yaml`` beside it."""
        package = type(self).__module__.rpartition(".")[0]
        if not package:  # a kind in a top-level module has no package to hold a template
            return None
        try:
            return (resources.files(package) / "template.yaml").read_text(encoding="utf-8")
        except (FileNotFoundError, ModuleNotFoundError, TypeError):
            return None


MAX_FIGURES = 8


#: Any kind, whatever its scenario model (what the registry hands out).
AnyKind = Kind[Any]


def generic_figures(metrics: Mapping[str, Any]) -> Figures:
    """Top-level scalars (and scalars one level down), in the order the kind wrote them."""
    out: Figures = []
    for key, value in metrics.items():
        if _scalar(value) and not (key.endswith("_s") and key[:-2] in metrics):
            out.append((key.replace("_", " "), _show(value)))
        elif isinstance(value, dict):
            out += [
                (f"{key} {sub}".replace("_", " "), _show(inner))
                for sub, inner in value.items()
                if _scalar(inner)
            ]
        if len(out) >= MAX_FIGURES:
            break
    return out[:MAX_FIGURES]


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent that fails to import, a broken sys.modules
        return False


def _scalar(value: Any) -> bool:
    return isinstance(value, bool | int | float) or (isinstance(value, str) and len(value) <= 80)


def _show(value: Any) -> str:
    return stamp(value) if isinstance(value, str) else number(value)

"""Extras (SPEC §10): what the core installs, what each kind's extra adds, and a scenario whose
kind's extra is missing: valid for lint (a warning), an ``error`` naming the extra when run."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement

from closeout.errors import Location
from closeout.kind import Kind, KindResult, MissingExtra, RunContext
from closeout.kinds import get_kind, missing_extra
from closeout.lint import lint
from closeout.loader import load_scenario
from closeout.project import load_project
from closeout.runner import run_loaded

ROOT = Path(__file__).resolve().parents[2]
DRIFT_SCENARIO = ROOT / "scenarios" / "INC-2025-047" / "a1-lab-input-drift.yaml"
HEAVY = {"evidently", "scipy", "scikit-learn", "hypothesis", "duckdb", "mlflow-skinny"}
# A distribution's top-level module, where the two names differ.
MODULE_OF = {"scikit-learn": "sklearn"}


def _project_table() -> dict[str, Any]:
    project: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project


def _requirements(specs: list[str]) -> dict[str, Requirement]:
    return {(r := Requirement(spec)).name: r for spec in specs}


def _extras() -> dict[str, dict[str, Requirement]]:
    return {
        name: _requirements(specs)
        for name, specs in _project_table()["optional-dependencies"].items()
    }


def test_the_core_installs_no_kind_extra() -> None:
    core = _requirements(_project_table()["dependencies"])
    assert not HEAVY & set(core)
    assert {"pydantic", "pyyaml", "pytest", "pandas", "numpy", "pyarrow"} <= set(core)


def test_each_extra_adds_what_spec_10_names() -> None:
    extras = _extras()
    assert {"evidently", "scipy", "duckdb", "pandas"} <= set(extras["drift"])
    assert {"scipy", "scikit-learn"} <= set(extras["shadow"])
    assert set(extras["synthetic"]) == {"hypothesis"}
    assert "mlflow-skinny" in extras["mlflow"]
    assert extras["all"]["closeout"].extras == {"drift", "shadow", "synthetic", "mlflow"}
    assert "all" in extras["dev"]["closeout"].extras


def test_drift_keeps_pandas_below_3_and_the_core_allows_pandas_3() -> None:
    core = _requirements(_project_table()["dependencies"])["pandas"]
    drift = _extras()["drift"]["pandas"]
    assert core.specifier.contains("3.0.6") and core.specifier.contains("2.3.3")
    assert not drift.specifier.contains("3.0.0") and drift.specifier.contains("2.3.3")


@pytest.mark.parametrize("name", ["drift_replay", "shadow", "synthetic"])
def test_a_kind_requires_exactly_the_modules_its_extra_installs(name: str) -> None:
    kind = get_kind(name)
    match = re.fullmatch(r"closeout\[(\w+)\]", kind.extra)
    assert match, kind.extra
    installed = _extras()[match[1]]
    modules = {MODULE_OF.get(dist, dist) for dist in installed if dist != "pandas"}
    assert set(kind.requires) == modules


def test_threshold_is_the_core_kind() -> None:
    kind = get_kind("threshold")
    assert (kind.extra, kind.requires, kind.missing_extra()) == ("", (), None)


def _block(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    """Make ``modules`` unimportable, as Python does for a module it must not import."""
    for module in modules:
        monkeypatch.setitem(sys.modules, module, None)


def test_a_missing_module_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    _block(monkeypatch, "evidently", "scipy", "duckdb")
    message = missing_extra("drift_replay")
    assert message == (
        "drift_replay needs closeout[drift]: pip install 'closeout[drift]' "
        "(not installed: evidently, scipy, duckdb)"
    )
    with pytest.raises(MissingExtra, match=re.escape("pip install 'closeout[drift]'")):
        get_kind("drift_replay").require()
    assert missing_extra("threshold") is None and missing_extra("no_such_kind") is None


def test_lint_warns_at_the_kind_line_and_finds_no_error(monkeypatch: pytest.MonkeyPatch) -> None:
    _block(monkeypatch, "scipy")
    report = lint(load_project(ROOT), [DRIFT_SCENARIO])
    line = 1 + DRIFT_SCENARIO.read_text().splitlines().index("kind: drift_replay")
    [warning] = [p for p in report.problems if p.field == "kind"]
    assert (warning.severity, warning.location.line, report.errors) == ("warning", line, [])
    assert str(warning).startswith(
        f"scenarios/INC-2025-047/{DRIFT_SCENARIO.name}:{line}: warning: kind: "
        "drift_replay needs closeout[drift]: pip install 'closeout[drift]'"
    )


def test_with_its_extra_lint_says_nothing_of_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # Modules every environment has stand for the extra, whichever extras are installed.
    monkeypatch.setattr(get_kind("drift_replay"), "requires", ("json", "sqlite3"))
    report = lint(load_project(ROOT), [DRIFT_SCENARIO])
    assert [p for p in report.problems if p.field == "kind"] == []


@pytest.mark.parametrize("isolate", [False, True])
def test_a_run_without_the_extra_is_an_error_naming_it_on_both_sides(
    monkeypatch: pytest.MonkeyPatch, isolate: bool
) -> None:
    _block(monkeypatch, "evidently", "scipy", "duckdb")
    project = load_project(ROOT)
    run = run_loaded(
        load_scenario(project, DRIFT_SCENARIO), project, artifacts=False, isolate=isolate
    )
    assert run.before is not None
    for side in (run.fixed, run.before):
        assert side.verdict == "error" and side.traceback is None
        assert side.error == (
            "drift_replay needs closeout[drift]: pip install 'closeout[drift]' "
            "(not installed: evidently, scipy, duckdb)"
        )


class PluginKind(Kind[Any]):
    """A kind of another distribution, needing a module that no environment has."""

    name = "latency"
    model = Any  # type: ignore[assignment]
    engine = "latency_engine"
    requires = ("closeout_test_module_that_is_never_installed",)

    def check(self, scenario: Any, project: Any, locate: Any) -> list[Any]:
        return []

    def data_files(self, scenario: Any) -> list[str]:
        return []

    def run(self, scenario: Any, subject: Any, context: RunContext) -> KindResult:
        raise AssertionError("a kind whose requirements are missing never runs")


def test_a_plugin_kind_names_its_own_extra_or_the_missing_modules() -> None:
    kind = PluginKind()
    assert kind.missing_extra() == (
        "latency needs closeout_test_module_that_is_never_installed: install them "
        "(not installed: closeout_test_module_that_is_never_installed)"
    )
    kind.extra = "closeout-latency[gpu]"
    assert kind.missing_extra() == (
        "latency needs closeout-latency[gpu]: pip install 'closeout-latency[gpu]' "
        "(not installed: closeout_test_module_that_is_never_installed)"
    )


def test_a_plugin_kind_gets_the_lint_warning_at_its_kind_line() -> None:
    [warning] = PluginKind().notes(
        None, None, lambda loc: Location("x.yaml", 3 if loc == ("kind",) else 0)
    )
    assert (str(warning.location), warning.severity) == ("x.yaml:3", "warning")
    assert warning.message.startswith("latency needs closeout_test_module_that_is_never_installed")

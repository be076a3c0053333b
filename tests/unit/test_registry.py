"""The kind registry: the built-in table, plugin kinds by entry point, and their failures."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
from tests.conftest import SCENARIO, Write

from closeout import kinds
from closeout.errors import ScenarioError
from closeout.kind import Kind
from closeout.kinds import (
    KindLoadError,
    all_kind_names,
    find_kind,
    get_kind,
    is_builtin,
    kind_names,
    kind_packages,
)
from closeout.lint import lint
from closeout.loader import load_scenario
from closeout.project import load_project
from closeout.runner import run_loaded
from closeout.schema import json_schema

BUILTIN = ["drift_replay", "shadow", "synthetic", "threshold"]

# A plugin kind in a module of its own: is a number within bounds? The subject is the bound.
ECHO_MODULE = """
from __future__ import annotations

from typing import Any, Literal

from closeout.kind import Kind, KindResult, RunContext
from closeout.models import Model, Outcome, ScenarioBase


class EchoBefore(Model):
    limit: float


class EchoScenario(ScenarioBase):
    subject_key = "limit"

    kind: Literal["echo"]
    value: float
    limit: float
    before: EchoBefore | None = None


class EchoKind(Kind[EchoScenario]):
    name = "echo"
    model = EchoScenario
    packages = ("echo-kind",)

    def check(self, scenario: EchoScenario, project: Any, locate: Any) -> list[Any]:
        return []

    def data_files(self, scenario: EchoScenario) -> list[str]:
        return []

    def run(self, scenario: EchoScenario, subject: Any, context: RunContext) -> KindResult:
        ok = scenario.value <= subject
        outcome = Outcome(name="within", outcome="pass" if ok else "fail", observed="", target="")
        return KindResult([outcome], {"value": scenario.value})


KIND = EchoKind()
NOT_A_KIND = object()


class Engineless(EchoKind):
    name = "engineless"
    run = Kind.run


ENGINELESS = Engineless()
"""

ECHO_SCENARIO = """\
action: A1
kind: echo
value: 3
limit: 5
before: {limit: 2}
"""


@pytest.fixture
def entry_points(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Entry points of the group ``closeout.kinds``, as a dict to fill; ``echo_kind`` importable."""
    (tmp_path / "echo_kind.py").write_text(textwrap.dedent(ECHO_MODULE))
    monkeypatch.syspath_prepend(str(tmp_path))
    registered: dict[str, str] = {}

    def fake(group: str) -> list[metadata.EntryPoint]:
        assert group == kinds.ENTRY_POINT_GROUP
        return [metadata.EntryPoint(n, v, group) for n, v in registered.items()]

    monkeypatch.setattr(kinds.metadata, "entry_points", fake)
    _clear_caches()
    yield registered
    _clear_caches()


def _clear_caches() -> None:
    for cached in (kinds._registered, kinds._available):
        cached.cache_clear()


def test_the_built_in_kinds_are_the_table(entry_points: dict[str, str]) -> None:
    assert kind_names() == all_kind_names() == BUILTIN
    assert all(is_builtin(n) and isinstance(get_kind(n), Kind) for n in BUILTIN)
    assert [get_kind(n).name for n in BUILTIN] == BUILTIN
    assert {"pandas", "numpy", "scipy", "evidently", "hypothesis"} == set(kind_packages())
    with pytest.raises(KeyError):
        get_kind("latency")
    assert find_kind("latency") is None


def test_a_plugin_kind_is_valid_in_the_loader_the_runner_and_the_schema(
    entry_points: dict[str, str], project_dir: Path, write: Write
) -> None:
    entry_points["echo"] = "echo_kind:KIND"
    assert kind_names() == sorted([*BUILTIN, "echo"]) and not is_builtin("echo")
    assert "echo-kind" in kind_packages()
    project = load_project()
    loaded = load_scenario(project, write("scenarios/INC-1/a1.yaml", ECHO_SCENARIO))
    run = run_loaded(loaded, project, artifacts=False)
    assert (run.verdict, run.before_verdict, run.discriminating) == ("pass", "fail", True)
    schema = json_schema("scenario")
    assert any(d.get("title") == "EchoScenario" for d in schema["$defs"].values())


def test_a_built_in_kind_wins_over_a_plugin_of_the_same_name(
    entry_points: dict[str, str],
) -> None:
    entry_points["threshold"] = "echo_kind:KIND"
    assert type(get_kind("threshold")).__module__ == "closeout.kinds.threshold.kind"


@pytest.mark.parametrize(
    ("target", "problem"),
    [
        (
            "nowhere.kind:KIND",
            "cannot be loaded: ModuleNotFoundError: No module named 'nowhere'",
        ),
        ("echo_kind:MISSING", "cannot be loaded: AttributeError:"),
        ("echo_kind:NOT_A_KIND", "is not a closeout.kind.Kind named 'echo'"),
        ("echo_kind:ENGINELESS", "is not a closeout.kind.Kind named 'echo'"),
    ],
)
def test_a_broken_plugin_is_reported_at_the_kind_line(
    entry_points: dict[str, str], project_dir: Path, write: Write, target: str, problem: str
) -> None:
    entry_points["echo"] = target
    path = write("scenarios/INC-1/a1.yaml", ECHO_SCENARIO)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(load_project(), path)
    message = str(caught.value)
    assert message.startswith(
        f"scenarios/INC-1/a1.yaml:2: kind: kind 'echo' (entry point closeout.kinds: {target}) "
    )
    assert problem in message
    assert find_kind("echo") is None
    report = lint(load_project(), [project_dir / "scenarios"])
    assert [str(p) for p in report.errors] == [message]
    # The editor schema cannot describe a kind it cannot load: it says which, and why.
    with pytest.raises(KindLoadError, match=r"kind 'echo' \(entry point"):
        json_schema("scenario")


def test_a_kind_with_neither_engine_nor_run_cannot_load(entry_points: dict[str, str]) -> None:
    entry_points["engineless"] = "echo_kind:ENGINELESS"
    with pytest.raises(KindLoadError, match="names no engine module and does not override run"):
        get_kind("engineless")


def test_a_built_in_kind_missing_from_the_install_is_not_available(
    entry_points: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    project_dir: Path,
    write: Write,
) -> None:
    monkeypatch.setitem(kinds._BUILTIN, "ghost", "closeout.kinds.ghost.kind:KIND")
    assert "ghost" in all_kind_names() and "ghost" not in kind_names()
    path = write("scenarios/INC-1/a1.yaml", SCENARIO.replace("kind: threshold", "kind: ghost"))
    with pytest.raises(ScenarioError, match="kind 'ghost' is not available in this version"):
        load_scenario(load_project(), path)

"""pydantic fills ``{name}`` in a custom error's template, and nothing else: a ``{value!r}`` or
``{value:>8}`` reaches the user as those very characters. Every template is checked here."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest
from tests.conftest import SCENARIO, Write

from closeout.errors import ScenarioError
from closeout.loader import load_scenario
from closeout.project import load_project

SOURCE = Path(__file__).resolve().parents[2] / "src" / "closeout"
CHECKED = sorted(SOURCE.rglob("*.py"))


def _templates(path: Path) -> list[tuple[int, str, set[str] | None]]:
    """(line, template, context keys or None when not a literal dict) of each custom error."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (
            isinstance(node, ast.Call) and getattr(node.func, "id", "") == "PydanticCustomError"
        ):
            continue
        if len(node.args) < 2 or not isinstance(node.args[1], ast.Constant):
            continue
        context = node.args[2] if len(node.args) > 2 else None
        keys = (
            {k.value for k in context.keys if isinstance(k, ast.Constant)}
            if isinstance(context, ast.Dict)
            else None
        )
        found.append((node.lineno, str(node.args[1].value), keys if context is not None else set()))
    return found


def _unfilled(template: str, keys: set[str] | None) -> list[str]:
    """Placeholders naming a context key that pydantic would leave as they are."""
    bad = []
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        named = keys is None or name in keys
        if named and (spec or conversion):
            bad.append(
                f"{{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}"
            )
    return bad


def test_the_check_finds_templates_at_all() -> None:
    assert sum(len(_templates(p)) for p in CHECKED) >= 5


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: str(p.relative_to(SOURCE)))
def test_no_template_uses_a_conversion_or_format_spec(path: Path) -> None:
    for line, template, keys in _templates(path):
        assert not _unfilled(template, keys), f"{path.name}:{line}: {template!r}"


def test_the_check_catches_what_pydantic_leaves_unfilled() -> None:
    assert _unfilled("got {value!r}", {"value"}) == ["{value!r}"]
    assert _unfilled("got {value:>8}", {"value"}) == ["{value:>8}"]
    assert _unfilled("a mapping like {inject: nulls}", set()) == []
    assert _unfilled("got {value}", {"value"}) == []


def test_a_duration_given_as_a_number_is_quoted_in_the_message(
    project_dir: Path, write: Write
) -> None:
    path = write("scenarios/INC-1/a1.yaml", SCENARIO.replace("interval: 5m", "interval: 300"))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(load_project(), path)
    assert str(caught.value) == (
        "scenarios/INC-1/a1.yaml:4: interval: expected a duration string like 90s, 15m, 2h "
        "or 1h30m, got 300"
    )

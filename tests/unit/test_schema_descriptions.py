"""The JSON Schemas editors read (``closeout schema postmortem|scenario``): every property has
a description (hover help), and every default is a value the property itself accepts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from closeout.cli import main

WHICH = ("postmortem", "scenario")


def schema_of(which: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["schema", which]) == 0
    schema: dict[str, Any] = json.loads(capsys.readouterr().out)
    return schema


def properties(node: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    """Every property schema anywhere in ``node``, with a readable path to it."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                for name, prop in value.items():
                    yield f"{where}.{name}", prop
                    yield from properties(prop, f"{where}.{name}")
            elif key == "$defs" and isinstance(value, dict):
                for name, definition in value.items():
                    yield from properties(definition, name)
            else:
                yield from properties(value, where)
    elif isinstance(node, list):
        for item in node:
            yield from properties(item, where)


def test_the_walk_finds_the_properties_it_must(capsys: pytest.CaptureFixture[str]) -> None:
    found = {path for which in WHICH for path, _ in properties(schema_of(which, capsys))}
    # a nested model, a top-level field, a kind's field and a hand-written schema's field
    assert {".severity", "Action.owner", "ThresholdScenario.lookback"} <= found
    assert "ThresholdScenario.rules_file.rev" in found


@pytest.mark.parametrize("which", WHICH)
def test_every_property_has_a_description(which: str, capsys: pytest.CaptureFixture[str]) -> None:
    missing = [
        path
        for path, prop in properties(schema_of(which, capsys))
        if not (isinstance(prop, dict) and str(prop.get("description", "")).strip())
    ]
    assert missing == []


@pytest.mark.parametrize("which", WHICH)
def test_every_default_is_valid_for_its_own_property(
    which: str, capsys: pytest.CaptureFixture[str]
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = schema_of(which, capsys)
    checked = 0
    for path, prop in properties(schema):
        if not isinstance(prop, dict) or "default" not in prop:
            continue
        own = {k: v for k, v in prop.items() if k != "default"}
        own["$defs"] = schema.get("$defs", {})
        errors = list(jsonschema.Draft202012Validator(own).iter_errors(prop["default"]))
        assert errors == [], f"{path}: default {prop['default']!r}: {errors[0].message}"
        checked += 1
    assert checked > 10


def test_a_duration_default_is_shown_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    defs = schema_of("scenario", capsys)["$defs"]
    assert defs["ThresholdScenario"]["properties"]["lookback"]["default"] == "5m"
    assert defs["Rule"]["properties"]["for"]["default"] == "0s"

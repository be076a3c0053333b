"""The safe YAML loader: line marks, duplicate keys, tags, alias bombs, YAML 1.1 traps."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from closeout import _yaml
from closeout.errors import YamlError


def test_mappings_and_lists_remember_their_lines() -> None:
    data = _yaml.load_text("a: 1\nb:\n  - x\n  - y: 2\n    z: 3\n", "f.yaml")
    assert data.line_of("a") == 1
    assert data.line_of("b") == 2
    assert data["b"].line_of(0) == 3
    assert data["b"].line_of(1) == 4
    assert data["b"][1].line_of("z") == 5


def test_duplicate_key_is_rejected_with_both_lines() -> None:
    with pytest.raises(YamlError) as caught:
        _yaml.load_text("owner: a\ntitle: t\nowner: b\n", "pm.yaml")
    problem = caught.value.problems[0]
    assert (problem.location.path, problem.location.line) == ("pm.yaml", 3)
    assert "first defined on line 1" in problem.message


@pytest.mark.parametrize(
    "text",
    [
        "x: !!python/object:os.system {}\n",
        "x: !!python/name:os.system\n",
        "x: !!python/object/apply:os.system ['echo hi']\n",
        "x: !custom 3\n",
    ],
)
def test_tags_other_than_plain_data_are_refused(text: str) -> None:
    with pytest.raises(YamlError, match="is not allowed"):
        _yaml.load_text(text, "t.yaml")


def test_alias_bomb_is_rejected_before_expansion() -> None:
    levels = ["a: &a [" + ",".join(["lol"] * 9) + "]"]
    for i in range(1, 9):
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        levels.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    with pytest.raises(YamlError, match="alias bomb"):
        _yaml.load_text("\n".join(levels), "bomb.yaml")


def test_small_aliases_are_still_allowed() -> None:
    data = _yaml.load_text("base: &b {for: 5m}\nrule: *b\n", "a.yaml")
    assert data["rule"] == {"for": "5m"}


@pytest.mark.parametrize("word", ["NO", "no", "yes", "on", "off", "Y", "n"])
def test_yaml_11_booleans_stay_strings(word: str) -> None:
    assert _yaml.load_text(f"v: {word}\n", "b.yaml")["v"] == word


@pytest.mark.parametrize(("word", "value"), [("true", True), ("False", False)])
def test_true_and_false_are_booleans(word: str, value: bool) -> None:
    assert _yaml.load_text(f"v: {word}\n", "b.yaml")["v"] is value


def test_timestamps_stay_strings_so_models_can_reject_naive_ones() -> None:
    data = _yaml.load_text("at: 2025-07-01T22:00:00\nday: 2025-07-20\n", "t.yaml")
    assert data == {"at": "2025-07-01T22:00:00", "day": "2025-07-20"}


def test_syntax_error_names_the_line() -> None:
    with pytest.raises(YamlError) as caught:
        _yaml.load_text("a: 1\nb: [1, 2\nc: 3\n", "s.yaml")
    assert caught.value.problems[0].location.line >= 2


def test_binary_and_non_utf8_files_are_rejected(tmp_path: Path) -> None:
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"a: 1\n\x00\x01\x02")
    with pytest.raises(YamlError, match="binary") as caught:
        _yaml.load_file(binary, "b.yaml")
    assert caught.value.problems[0].location.line == 2
    latin = tmp_path / "l.yaml"
    latin.write_bytes("a: 1\nname: Jos\xe9\n".encode("latin-1"))
    with pytest.raises(YamlError, match="UTF-8"):
        _yaml.load_file(latin, "l.yaml")


def test_missing_file_is_a_yaml_error(tmp_path: Path) -> None:
    with pytest.raises(YamlError, match="not found"):
        _yaml.load_file(tmp_path / "nope.yaml", "nope.yaml")


_keys = st.text(string.ascii_lowercase, min_size=1, max_size=8)
_scalars = st.one_of(st.integers(-1000, 1000), st.text(string.ascii_letters + " ", max_size=10))


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_keys, st.one_of(_scalars, st.lists(_scalars, max_size=4)), max_size=8))
def test_loader_round_trips_what_safe_dump_writes(data: dict[str, object]) -> None:
    import yaml

    text = yaml.safe_dump(data, sort_keys=True)
    loaded = _yaml.load_text(text, "p.yaml")
    expected = yaml.safe_load(text)
    assert loaded == (expected if expected is not None else None) or (loaded is None and not data)
    if data:
        lines = text.splitlines()
        for key in data:
            assert lines[loaded.line_of(key) - 1].startswith(f"{key}:") or lines[
                loaded.line_of(key) - 1
            ].startswith(f"'{key}':")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_raises_anything_but_yaml_error(text: str) -> None:
    try:
        _yaml.load_text(text, "fuzz.yaml")
    except YamlError as exc:
        assert exc.problems[0].location.path == "fuzz.yaml"


@pytest.mark.parametrize("text", ["a: &x [*x]\n", "a: &x {b: [1, {c: *x}]}\n"])
def test_recursive_alias_is_rejected_not_looped_on(text: str) -> None:
    with pytest.raises(YamlError, match="recursive alias"):
        _yaml.load_text(text, "loop.yaml")


def test_a_large_document_without_aliases_is_not_taken_for_a_bomb() -> None:
    # 220,000 nodes, more than the allowance for aliases, and a "*" so the count does run.
    text = "expr: 'rate * 2'\nvalues: [" + ", ".join(["1"] * 220_000) + "]\n"
    data = _yaml.load_text(text, "big.yaml")
    assert len(data["values"]) == 220_000 and _yaml.MAX_ALIAS_EXPANSION < 220_000


def test_aliases_are_counted_by_what_they_add() -> None:
    # One anchor of 1,000 nodes used 150 times adds 149,000 nodes: allowed; 250 times is not.
    anchor = "base: &b [" + ", ".join(["x"] * 999) + "]\n"
    allowed = anchor + "uses: [" + ", ".join(["*b"] * 150) + "]\n"
    assert len(_yaml.load_text(allowed, "ok.yaml")["uses"]) == 150
    with pytest.raises(YamlError, match=r"ok.yaml:2: aliases add more than 200000 nodes"):
        _yaml.load_text(anchor + "uses: [" + ", ".join(["*b"] * 250) + "]\n", "ok.yaml")


def test_a_second_merge_key_in_one_mapping_is_rejected_where_it_is() -> None:
    text = "a: &a {x: 1}\nb: &b {x: 2}\nc:\n  <<: *a\n  y: 3\n  <<: *b\n"
    with pytest.raises(YamlError) as caught:
        _yaml.load_text(text, "m.yaml")
    assert str(caught.value) == (
        "m.yaml:6: a second '<<' merge key (the first is on line 4): merge several mappings "
        "with one key, <<: [*first, *second]"
    )


def test_one_merge_key_with_a_list_merges_in_order() -> None:
    data = _yaml.load_text("a: &a {x: 1}\nb: &b {x: 2, z: 0}\nc: {<<: [*a, *b], y: 3}\n", "m.yaml")
    assert data["c"] == {"x": 1, "z": 0, "y": 3}

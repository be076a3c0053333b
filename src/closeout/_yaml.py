"""A safe YAML loader of closeout's own that remembers line numbers.

It subclasses ``yaml.SafeLoader`` (never patching PyYAML globally) and:

- keeps the line of every mapping key and sequence item (``LineDict`` / ``LineList``), so
  a validation error deep in a file can name ``file:line``;
- rejects duplicate keys, which plain PyYAML silently resolves to the last one;
- refuses every tag it does not know (``!!python/object`` and friends);
- bounds alias expansion (the "billion laughs"): the nodes aliases add beyond the document's
  own are counted on the composed graph, before anything is constructed, in time linear in
  the document size (a file without a ``*`` cannot hold an alias and skips the count, so a
  large plain file is never mistaken for a bomb);
- rejects a second ``<<`` merge key in one mapping (which one wins would depend on layout);
- resolves only ``true``/``false`` as booleans (so ``NO`` stays the string Norway) and leaves
  timestamps as strings, so models decide how to parse them (naive ones are rejected there).
"""

from __future__ import annotations

import re
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from closeout._io import file_kind
from closeout.errors import Location, Problem, YamlError

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ALIAS_EXPANSION = 200_000
"""How many nodes aliases may add to a document beyond its own (a file's size is bounded by
MAX_FILE_BYTES; this bounds what its aliases make of it)."""
_MERGE_TAG = "tag:yaml.org,2002:merge"

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_BOOL_TAG = "tag:yaml.org,2002:bool"


class LineDict(dict[str, Any]):
    """A mapping that knows its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: object) -> int:
        return self.key_lines.get(str(key), self.line) if hasattr(self, "key_lines") else self.line


class LineList(list[Any]):
    """A sequence that knows its own line and the line of each item (1-based)."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        lines = getattr(self, "item_lines", [])
        return lines[index] if 0 <= index < len(lines) else self.line


# libyaml's parser (when PyYAML was built with it) is several times faster; construction,
# resolution and every check below stay in Python, so behaviour is the same either way.
_LIBYAML = bool(getattr(yaml, "__with_libyaml__", False))
_Base: type[yaml.SafeLoader] = yaml.CSafeLoader if _LIBYAML else yaml.SafeLoader  # type: ignore[assignment]


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """SafeLoader with line marks, duplicate-key and alias-bomb checks."""

    last_mark: Any = None
    may_alias = True  # False when the text holds no "*": no alias, nothing to count

    def get_single_node(self) -> Node | None:
        node: Node | None = super().get_single_node()
        if node is not None and self.may_alias:
            _check_expansion(node)
        return node

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        self.last_mark = node.start_mark  # where we were, if nesting overflows the stack
        return super().construct_object(node, deep=deep)

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> LineDict:
        self._reject_duplicate_keys(node)
        self.flatten_mapping(node)
        result = LineDict()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) or key is None:
                raise _error(key_node, "a mapping key must be a plain scalar")
            key = str(key) if not isinstance(key, str) else key
            result[key] = self.construct_object(value_node, deep=True)
            result.key_lines[key] = key_node.start_mark.line + 1
        return result

    def construct_yaml_map(self, node: MappingNode) -> Any:
        yield self.construct_mapping(node)

    def construct_yaml_seq(self, node: SequenceNode) -> Any:
        result = LineList()
        result.line = node.start_mark.line + 1
        result.item_lines = [item.start_mark.line + 1 for item in node.value]
        yield result
        result.extend(self.construct_object(item, deep=True) for item in node.value)

    def construct_undefined(self, node: Node) -> Any:
        tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
        raise _error(node, f"tag '{tag}' is not allowed (closeout reads plain YAML data only)")

    def _reject_duplicate_keys(self, node: MappingNode) -> None:
        seen: dict[str, int] = {}
        merge_line = 0
        for key_node, _ in node.value:
            if not isinstance(key_node, ScalarNode):
                continue
            line = key_node.start_mark.line + 1
            if key_node.tag == _MERGE_TAG:
                if merge_line:
                    raise _error(
                        key_node,
                        f"a second '<<' merge key (the first is on line {merge_line}): "
                        "merge several mappings with one key, <<: [*first, *second]",
                    )
                merge_line = line
                continue
            if key_node.value in seen:
                raise _error(
                    key_node,
                    f"duplicate key '{key_node.value}' "
                    f"(first defined on line {seen[key_node.value]})",
                )
            seen[key_node.value] = line


def _strip_resolvers() -> None:
    resolvers = {
        first: [(tag, regexp) for tag, regexp in entries if tag not in (_TIMESTAMP_TAG, _BOOL_TAG)]
        for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    _Loader.yaml_implicit_resolvers = resolvers
    _Loader.add_implicit_resolver(
        _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )


_strip_resolvers()
_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_yaml_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _Loader.construct_yaml_seq)
_Loader.add_constructor(None, _Loader.construct_undefined)


def _error(node: Node, message: str) -> yaml.MarkedYAMLError:
    return yaml.constructor.ConstructorError(None, None, message, node.start_mark)


def _check_expansion(root: Node) -> None:
    """Reject recursive aliases, and aliases that add more than MAX_ALIAS_EXPANSION nodes."""
    containers, counts = _walk(root)
    if all(count == 1 for count in counts.values()):
        return  # nothing is referenced twice: no alias expands anything
    # Expanded sizes, children first; a node expanding beyond the whole document's own node
    # count plus the allowance proves that aliases alone add more than the allowance, and
    # is the deepest place to blame.
    limit = len(counts) + MAX_ALIAS_EXPANSION
    sizes: dict[int, int] = {}
    for node in containers:
        total = 1 + sum(sizes.get(id(child), 1) for child in _children(node))
        if total > limit:
            raise _error(
                node,
                f"aliases add more than {MAX_ALIAS_EXPANSION} nodes to the document "
                "(an alias bomb?)",
            )
        sizes[id(node)] = total


def _walk(root: Node) -> tuple[list[Node], dict[int, int]]:
    """The distinct container nodes, children before parents, and how often each node is
    referenced; a node reached again from inside itself is a recursive alias."""
    containers: list[Node] = []
    counts: dict[int, int] = {}
    finished: dict[int, bool] = {}  # False while a node's children are being walked
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        key = id(node)
        if leaving:
            finished[key] = True
            containers.append(node)
            continue
        counts[key] = counts.get(key, 0) + 1
        if key in finished:
            if not finished[key]:
                raise _error(node, "recursive alias: an anchor contains an alias to itself")
            continue
        children = _children(node)
        finished[key] = not children
        if children:
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(children))
    return containers, counts


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def load_text(text: str, display_path: str) -> Any:
    """Parse one YAML document from ``text``; errors name ``display_path:line``."""
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text, display_path) from None
    loader.may_alias = "*" in text
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        line = _error_line(exc, text)
        message = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            message = f"{exc.context}: {exc.problem}"
        if "maximum nesting depth" in message:
            message = "the document is nested too deeply"
        raise YamlError(Problem(Location(display_path, line), "", message)) from None
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text, display_path) from None
    except yaml.YAMLError as exc:
        raise YamlError(Problem(Location(display_path, 1), "", f"invalid YAML: {exc}")) from None
    except RecursionError:
        mark = loader.last_mark
        line = mark.line + 1 if mark is not None else 1
        raise YamlError(
            Problem(Location(display_path, line), "", "the document is nested too deeply")
        ) from None
    finally:
        loader.dispose()


def _reader_error(exc: yaml.reader.ReaderError, text: str, display_path: str) -> YamlError:
    # libyaml counts bytes of the UTF-8 encoding, PyYAML's reader counts characters.
    before = (
        text.encode()[: exc.position].decode(errors="ignore") if _LIBYAML else text[: exc.position]
    )
    line = before.count("\n") + 1
    message = f"control character #x{exc.character:04x} is not allowed in YAML"
    return YamlError(Problem(Location(display_path, line), "", message))


def _error_line(exc: yaml.MarkedYAMLError, text: str) -> int:
    """The most useful line: where the problem is, unless that is the end of the file."""
    problem, context = exc.problem_mark, exc.context_mark
    at_end = problem is not None and problem.index >= len(text.rstrip())
    # An unclosed quote or bracket is "found at the end of the stream": the context mark
    # (where the quote opened) is where the user must look.
    mark = context if (at_end and context is not None) else (problem or context)
    return mark.line + 1 if mark is not None else 1


def load_file(path: Path, display_path: str) -> Any:
    """Read and parse ``path``; a missing, huge, binary or non-UTF-8 file is a YamlError."""
    where = Location(display_path, 1)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # reading a FIFO would block for ever
            what = file_kind(info.st_mode)
            raise YamlError(Problem(where, "", f"is a {what}, not a YAML file"))
        size = info.st_size
        if size > MAX_FILE_BYTES:
            raise YamlError(
                Problem(where, "", f"file is {size} bytes; the limit is {MAX_FILE_BYTES}")
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise YamlError(Problem(where, "", "file not found")) from None
    except OSError as exc:
        raise YamlError(Problem(where, "", f"cannot read: {exc.strerror}")) from None
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise YamlError(
            Problem(Location(display_path, line), "", "binary file (contains NUL bytes), not YAML")
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlError(
            Problem(Location(display_path, line), "", "not UTF-8 text (binary or wrong encoding)")
        ) from None
    return load_text(text, display_path)

"""The architecture contract, read from the source with ``ast`` (``nox -s lint`` runs it).

- No module under ``src/closeout`` imports a closeout module inside a function: cycles are
  broken by moving code, never by a local import. Lazy imports of heavy third-party
  libraries stay allowed (and wanted: ``closeout lint`` must not pay for pandas).
- No import cycle among closeout modules. Module-level imports count, those under
  ``if TYPE_CHECKING:`` too: a cycle hidden from the interpreter is still a knot for readers.
  So does a string naming a closeout module (``"closeout.cli.search:cmd_search"``, a kind's
  ``engine``): it is an import made later, by ``importlib``, and can hide a cycle as well.
- No module over 400 lines.
- Kinds never import each other nor the registry; the kinds' toolkit imports no kind.

import-linter checks the layers from ``[tool.importlinter]`` in ``pyproject.toml``; the last
tests plant violations in a copy of the package and show that both checks fail on them.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = "closeout"
MAX_LINES = 400
KINDS = f"{PACKAGE}.kinds"


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name
    imported: str  # the closeout module it names
    path: Path
    line: int
    function: str | None  # the enclosing function, or None at module level


def modules(src: Path) -> dict[str, Path]:
    """Every module below ``src/closeout`` by dotted name (a package by its ``__init__``)."""
    found = {}
    for path in sorted((src / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(src: Path) -> list[Import]:
    """Every import of a closeout module, wherever it stands in the file."""
    known = modules(src)
    found: list[Import] = []
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        is_package = path.name == "__init__.py"
        for node, function in _walk(tree, None):
            for target in _targets(node, name, is_package, known):
                found.append(Import(name, target, path, node.lineno, function))
    return found


def _walk(node: ast.AST, function: str | None) -> Iterator[tuple[ast.stmt, str | None]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, function
        inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else None
        yield from _walk(child, inner or function)


def _targets(node: ast.stmt, importer: str, is_package: bool, known: dict[str, Path]) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == PACKAGE]
    assert isinstance(node, ast.ImportFrom)
    base = node.module or ""
    if node.level:  # relative: resolve against the importing package
        parts = importer.split(".")[: len(importer.split(".")) + is_package - node.level]
        base = ".".join([*parts, *([base] if base else [])])
    if base.split(".")[0] != PACKAGE:
        return []
    # ``from pkg import mod`` names the submodule when there is one, else the package.
    return sorted({f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names})


def references(src: Path) -> list[Import]:
    """Strings that name a closeout module (``module`` or ``module:attribute``): late imports."""
    known = modules(src)
    found = []
    for name, path in known.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                target = node.value.partition(":")[0]
                if target in known and target.startswith(f"{PACKAGE}."):
                    found.append(Import(name, target, path, node.lineno, None))
    return found


def local_imports(src: Path) -> list[str]:
    """``path:line: ...`` for each closeout module imported inside a function."""
    return [
        f"{_shown(i.path, src)}:{i.line}: {i.importer} imports {i.imported} inside {i.function}()"
        for i in imports(src)
        if i.function is not None
    ]


def cycles(src: Path) -> list[list[str]]:
    """Each knot of the module-level import graph (a strongly connected component of more
    than one module), as the ``path:line: a -> b`` edges that tie it."""
    edges = [
        found
        for found in [*imports(src), *references(src)]
        if found.function is None and found.imported != found.importer
    ]
    graph: dict[str, set[str]] = {name: set() for name in modules(src)}
    for edge in edges:
        graph[edge.importer].add(edge.imported)
    return [
        sorted(
            f"{_shown(e.path, src)}:{e.line}: {e.importer} -> {e.imported}"
            for e in edges
            if {e.importer, e.imported} <= component
        )
        for component in _components(graph)
        if len(component) > 1
    ]


def _components(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative (the graph is small, but recursion limits are not)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            step = next(edges, None)
            if step is not None and step in graph:
                if step not in index:
                    index[step] = low[step] = len(index)
                    stack.append(step)
                    on_stack.add(step)
                    work.append((step, iter(sorted(graph[step]))))
                elif step in on_stack:
                    low[node] = min(low[node], index[step])
                continue
            if step is not None:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                found.append(component)
    return found


def long_modules(src: Path) -> list[str]:
    """``path: N lines`` for each module over the limit."""
    counted = {p: len(p.read_text(encoding="utf-8").splitlines()) for p in modules(src).values()}
    return [f"{_shown(p, src)}: {n} lines" for p, n in counted.items() if n > MAX_LINES]


def _kind_of(module: str) -> str | None:
    """The kind a module belongs to (``closeout.kinds.<kind>...``), ``_toolkit`` included."""
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[:2] == KINDS.split(".") else None


def kind_imports(src: Path) -> list[str]:
    """Kinds importing another kind or the registry; the toolkit importing any kind."""
    problems = []
    for found in imports(src):
        mine, theirs = _kind_of(found.importer), _kind_of(found.imported)
        if mine is None:
            continue
        crosses = theirs is not None and theirs not in (mine, "_toolkit")
        registry = found.imported == KINDS and mine != "_toolkit"
        if crosses or registry:
            problems.append(
                f"{_shown(found.path, src)}:{found.line}: {found.importer} imports {found.imported}"
            )
    return problems


def _shown(path: Path, src: Path) -> str:
    return path.relative_to(src.parent).as_posix()


# --------------------------------------------------------------------------- the contract


def test_no_closeout_module_is_imported_inside_a_function() -> None:
    assert local_imports(REPO / "src") == []


def test_closeout_modules_import_each_other_without_a_cycle() -> None:
    assert cycles(REPO / "src") == []


def test_no_module_is_over_400_lines() -> None:
    assert long_modules(REPO / "src") == []


def test_kinds_never_import_each_other_and_the_toolkit_imports_no_kind() -> None:
    assert kind_imports(REPO / "src") == []


# --------------------------------------------------------------------------- it can fail


PLANTED = {
    # a kind importing another kind
    "kinds/threshold/figures.py": "from closeout.kinds.shadow import spec\n",
    # a new cycle: the loader imports the project
    "project.py": "from closeout import loader\n",
    # a cycle dodged by an import inside a function
    "errors.py": "def _late() -> object:\n    from closeout import models\n    return models\n",
}


def _plant(tmp_path: Path) -> Path:
    """A copy of the package with the ``PLANTED`` violations appended to its files."""
    src = tmp_path / "src"
    shutil.copytree(
        REPO / "src" / PACKAGE, src / PACKAGE, ignore=shutil.ignore_patterns("__pycache__")
    )
    for relative, text in PLANTED.items():
        path = src / PACKAGE / relative
        path.write_text(f"{path.read_text()}\n{text}")
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return src


def _planted_line(src: Path, relative: str) -> int:
    """The line number of the first line of the planted text."""
    path = src / PACKAGE / relative
    return len(path.read_text().splitlines()) - len(PLANTED[relative].splitlines()) + 1


def test_the_ast_checks_fail_on_planted_violations(tmp_path: Path) -> None:
    src = _plant(tmp_path)
    assert (
        f"src/closeout/kinds/threshold/figures.py:{_planted_line(src, 'kinds/threshold/figures.py')}"
        ": closeout.kinds.threshold.figures imports closeout.kinds.shadow.spec"
    ) in kind_imports(src)
    planted = (
        f"src/closeout/project.py:{_planted_line(src, 'project.py')}: "
        "closeout.project -> closeout.loader"
    )
    assert any(planted in knot for knot in cycles(src))
    assert (
        f"src/closeout/errors.py:{_planted_line(src, 'errors.py') + 1}: "
        "closeout.errors imports closeout.models inside _late()"
    ) in local_imports(src)


def test_import_linter_fails_on_the_same_planted_violations(tmp_path: Path) -> None:
    src = _plant(tmp_path)
    done = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache", "pyproject.toml"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "closeout layers: imports only point down BROKEN" in done.stdout
    assert "kinds never import each other BROKEN" in done.stdout
    assert "no import cycle between sibling modules or packages BROKEN" in done.stdout
    assert "closeout.kinds.threshold.figures -> closeout.kinds.shadow.spec" in done.stdout
    assert "closeout.project -> closeout.loader" in done.stdout


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import closeout.errors\n", ["closeout.errors"]),
        ("from closeout.kinds.x import a, b\n", ["closeout.kinds.x.a", "closeout.kinds.x"]),
        ("from . import errors\n", ["closeout.errors"]),
        ("from .errors import Problem\n", ["closeout.errors"]),
        ("import pandas\n", []),
    ],
)
def test_imports_are_resolved_to_modules(source: str, expected: list[str]) -> None:
    known = {n: Path() for n in ("closeout", "closeout.errors", "closeout.kinds.x.a")}
    node = ast.parse(source).body[0]
    assert _targets(node, "closeout.lint", False, known) == sorted(expected)

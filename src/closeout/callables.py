"""User callables named in scenarios: ``package.module:function`` or ``path/file.py:function``.

Two ways in, for two moments:

- ``check_ref`` (lint): finds the module's source file on ``python_paths`` and checks, by
  reading it with ``ast``, that the name is defined there. No user code is imported.
- ``load_callable`` (run): imports it for real. A module or attribute that cannot be found is
  a ``DataError`` (bad input, exit 2, with close names suggested); an exception raised while
  importing or calling user code is a ``SubjectError`` (the run *fails*, traceback kept).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from closeout._io import file_kind
from closeout.errors import DataError, SubjectError
from closeout.models import suggest
from closeout.project import Project

_MODULE_REF = re.compile(r"^(?P<module>[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*):(?P<name>[A-Za-z_]\w*)$")
_PACKAGE_DIR = str(Path(__file__).resolve().parent)
_FILE_REF = re.compile(r"^(?P<path>[^:]+\.py):(?P<name>[A-Za-z_]\w*)$")


@dataclass(frozen=True)
class CallableRef:
    """A parsed reference; exactly one of ``module`` and ``path`` is set."""

    text: str
    name: str
    module: str | None = None
    path: str | None = None


def parse_ref(text: str) -> CallableRef:
    """Parse ``pkg.mod:func`` or ``dir/file.py:func``; raise ValueError when malformed."""
    cleaned = text.strip()
    if found := _FILE_REF.match(cleaned):
        return CallableRef(cleaned, found["name"], path=found["path"])
    if found := _MODULE_REF.match(cleaned):
        return CallableRef(cleaned, found["name"], module=found["module"])
    raise ValueError(
        f"'{text}' is not a callable reference: write package.module:function "
        "or path/to/file.py:function"
    )


def source_file(ref: CallableRef, project: Project) -> Path:
    """The source file that defines ``ref``, found without importing anything."""
    if ref.path is not None:
        path = project.resolve_inside(ref.path)
        if not path.is_file():
            raise DataError(f"{ref.text}: file '{ref.path}' {_what_is(path)}")
        return path
    parts = (ref.module or "").split(".")
    for base in project.python_paths:
        root = (project.root / base).resolve()
        for candidate in (
            root.joinpath(*parts).with_suffix(".py"),
            root.joinpath(*parts, "__init__.py"),
        ):
            if candidate.is_file():
                return candidate
    searched = ", ".join(project.python_paths)
    raise DataError(
        f"{ref.text}: module '{ref.module}' not found on python_paths ({searched})"
        f"{suggest(parts[-1], _sibling_modules(project, parts))}"
    )


def _what_is(path: Path) -> str:
    """Why ``path`` is not a source file: ``not found``, ``is a directory``, ..."""
    try:
        return f"is a {file_kind(path.stat().st_mode)}, not a Python file"
    except OSError:
        return "not found"


def _sibling_modules(project: Project, parts: list[str]) -> list[str]:
    names: list[str] = []
    for base in project.python_paths:
        folder = (project.root / base).resolve().joinpath(*parts[:-1])
        if folder.is_dir():
            names += [p.stem for p in folder.glob("*.py")]
            names += [p.name for p in folder.iterdir() if (p / "__init__.py").is_file()]
    return names


def defined_names(path: Path) -> set[str]:
    """Top-level names a module defines (functions, classes, assignments, imports)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def check_ref(text: str, project: Project) -> str | None:
    """Lint: a message saying why ``text`` cannot be found, or None when it can."""
    try:
        ref = parse_ref(text)
        path = source_file(ref, project)
        names = defined_names(path)
    except (ValueError, DataError) as exc:
        return str(exc)
    except SyntaxError as exc:
        return f"{text}: {project.display(Path(exc.filename or ''))}:{exc.lineno}: syntax error"
    if ref.name not in names:
        public = sorted(n for n in names if not n.startswith("_"))
        return (
            f"{text}: '{ref.name}' is not defined in {project.display(path)}"
            f"{suggest(ref.name, public)}"
        )
    return None


@contextmanager
def _python_paths(project: Project) -> Iterator[None]:
    added = [str((project.root / p).resolve()) for p in project.python_paths]
    fresh = [p for p in added if p not in sys.path]
    sys.path[:0] = fresh
    try:
        yield
    finally:
        for path in fresh:
            if path in sys.path:
                sys.path.remove(path)


def load_callable(text: str, project: Project) -> Callable[..., Any]:
    """Import the callable; see the module docstring for which error means what."""
    try:
        ref = parse_ref(text)
    except ValueError as exc:
        raise DataError(str(exc)) from None
    path = source_file(ref, project)
    with _python_paths(project):
        try:
            module = _import(ref, path)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # sys.exit() at import time too
            # Code that cannot even be imported never ran: that proves nothing about the fix
            # or the bug, so it is bad input (an `error`), not a `fail` of the subject.
            raise DataError(
                f"{ref.text}: importing {project.display(path)} raised {exc!r}\n{_user_traceback()}"
            ) from None
    _check_module_file(ref, module, path, project)
    target = getattr(module, ref.name, None)
    if target is None:
        public = [n for n in vars(module) if not n.startswith("_")]
        raise DataError(
            f"{ref.text}: module has no attribute '{ref.name}'{suggest(ref.name, public)}"
        )
    if not callable(target):
        raise DataError(f"{ref.text}: '{ref.name}' is a {type(target).__name__}, not callable")
    return target  # type: ignore[no-any-return]


def _check_module_file(ref: CallableRef, module: Any, expected: Path, project: Project) -> None:
    """The module Python imported must be the file lint found and evidence hashes: a module
    of the same name loaded first (the standard library's ``statistics``, an installed
    package) would otherwise run in place of the project's code, unseen."""
    ran = getattr(module, "__file__", None)
    if ran is not None and Path(ran).resolve() == expected.resolve():
        return
    shown = project.display(expected)
    origin = "the standard library" if shadows_stdlib(ref) else "elsewhere"
    raise DataError(
        f"{ref.text}: Python imported '{ref.module}' from {ran or 'its built-in modules'} "
        f"({origin}), not {shown}: rename {shown} so that its name is not taken"
    )


def shadows_stdlib(ref: CallableRef) -> bool:
    """Whether a module reference's top-level name is that of a standard-library module."""
    top = (ref.module or "").partition(".")[0]
    return top in sys.stdlib_module_names


def module_names(path: Path, project: Project) -> list[str]:
    """The dotted names a source file has as a module on ``python_paths``."""
    names = []
    for base in project.python_paths:
        try:
            relative = path.resolve().relative_to((project.root / base).resolve())
        except ValueError:
            continue
        parts = relative.with_suffix("").parts
        parts = parts[:-1] if parts and parts[-1] == "__init__" else parts
        if parts:
            names.append(".".join(parts))
    return names


def _import(ref: CallableRef, path: Path) -> Any:
    if ref.module is not None:
        return importlib.import_module(ref.module)
    name = "closeout_user_" + re.sub(r"\W", "_", str(path.with_suffix("")))
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise DataError(f"{ref.text}: cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def call_subject(function: Callable[..., Any], *args: Any, what: str = "") -> Any:
    """Call user code; an exception becomes a SubjectError carrying the user's traceback.

    ``SystemExit`` (``sys.exit()``) and pytest's ``fail``/``skip``/``exit`` are exceptions of
    the subject too; only ``KeyboardInterrupt`` (Ctrl-C) goes through, to stop the run."""
    try:
        return function(*args)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
        label = what or getattr(function, "__qualname__", repr(function))
        raise SubjectError(
            f"{label} raised {type(exc).__name__}: {exc}", _user_traceback()
        ) from exc


def _user_traceback() -> str:
    """The current exception's traceback without closeout's own frames."""
    kind, value, tb = sys.exc_info()
    frames = [f for f in traceback.extract_tb(tb) if not f.filename.startswith(_PACKAGE_DIR)]
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames)]
    lines += traceback.format_exception_only(kind, value)
    return "".join(lines)

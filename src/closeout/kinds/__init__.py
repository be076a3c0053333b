"""The registry of scenario kinds: an explicit table plus the entry-point group ``closeout.kinds``.

A built-in kind is a folder ``closeout/kinds/<name>/`` (entry module ``kind.py`` holding
``KIND``) and one line in ``_BUILTIN``. A kind from another distribution registers an entry
point in the group ``closeout.kinds`` (name = the kind's name, value = ``module:attribute``)
and is then valid everywhere a built-in kind is (``docs/kinds.md``). The contract a kind
implements is ``closeout.kind``.

A built-in kind whose folder is absent (a slimmed install) is "not available in this
version"; a plugin kind that cannot be imported is a ``KindLoadError`` naming its entry point,
reported where a scenario names it. A kind whose extra is not installed (``closeout[drift]``
for ``drift_replay``) is still available: its scenarios validate, lint (with a warning) and
appear in the schema, and ``missing_extra`` says what to install before they can run.
"""

from __future__ import annotations

import importlib
import importlib.util
from functools import cache
from importlib import metadata

from closeout.errors import CloseoutError
from closeout.kind import AnyKind, Kind

ENTRY_POINT_GROUP = "closeout.kinds"

_BUILTIN: dict[str, str] = {
    "drift_replay": "closeout.kinds.drift_replay.kind:KIND",
    "shadow": "closeout.kinds.shadow.kind:KIND",
    "synthetic": "closeout.kinds.synthetic.kind:KIND",
    "threshold": "closeout.kinds.threshold.kind:KIND",
}


class KindLoadError(CloseoutError):
    """A registered kind could not be imported, or is not a usable ``Kind``."""


@cache
def _registered() -> dict[str, str]:
    """Every kind name -> ``module:attribute``; built-ins win over a same-named plugin."""
    found = {ep.name: ep.value for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}
    return found | _BUILTIN


def is_builtin(name: str) -> bool:
    """The kind is one of closeout's own (``_BUILTIN``), not a plugin's."""
    return name in _BUILTIN


def kind_names() -> list[str]:
    """The kinds of this installation: the built-ins present and every plugin kind (those
    whose extra is missing included: ``missing_extra`` says what they need to run)."""
    return sorted(
        name for name, target in _registered().items() if not is_builtin(name) or _available(target)
    )


def all_kind_names() -> list[str]:
    """Every kind the specification names, plus the installed plugin kinds."""
    return sorted(_registered())


@cache
def _available(target: str) -> bool:
    module = target.partition(":")[0]
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


def get_kind(name: str) -> AnyKind:
    """The kind registered under ``name``; KeyError when there is none, KindLoadError when
    its module cannot be imported or does not hold a usable ``Kind`` named ``name``.

    Not memoised: ``sys.modules`` is the only cache. ``Kind.run`` imports the engine by
    name, and the engine checks expectations against its own ``spec`` classes; a kept
    ``Kind`` whose modules have since left ``sys.modules`` (pytester restores it after each
    in-process run; reloaders do the same) would validate scenarios with the old classes
    while a freshly imported engine judges them with new ones.
    """
    target = _registered()[name]
    module_name, _, attribute = target.partition(":")
    where = f"kind '{name}' ({_origin(name)}{target})"
    try:
        kind = getattr(importlib.import_module(module_name), attribute or "KIND")
    except Exception as exc:
        # A plugin's import may raise anything: report it where a scenario names the kind.
        # In closeout's own kinds only a missing module is expected; anything else is a bug.
        if is_builtin(name) and not isinstance(exc, ImportError | AttributeError):
            raise
        raise KindLoadError(f"{where} cannot be loaded: {type(exc).__name__}: {exc}") from exc
    if not isinstance(kind, Kind) or kind.name != name:
        raise KindLoadError(f"{where} is not a closeout.kind.Kind named '{name}'")
    if not kind.engine and type(kind).run is Kind.run:
        raise KindLoadError(f"{where} names no engine module and does not override run()")
    return kind


def _origin(name: str) -> str:
    return "" if is_builtin(name) else f"entry point {ENTRY_POINT_GROUP}: "


def find_kind(name: str) -> AnyKind | None:
    """The kind registered under ``name``, or None when it is unknown or cannot be loaded."""
    if name not in _registered():
        return None
    try:
        return get_kind(name)
    except KindLoadError:
        return None


def missing_extra(name: str) -> str | None:
    """What to install before scenarios of kind ``name`` can run (``drift_replay needs
    closeout[drift]: pip install 'closeout[drift]' ...``); None when they can, or when the
    kind is unknown or cannot be loaded (reported where a scenario names it)."""
    kind = find_kind(name)
    return kind.missing_extra() if kind is not None else None


def kind_packages() -> tuple[str, ...]:
    """The distributions whose versions every run records: each loadable kind's packages."""
    names: set[str] = set()
    for name in kind_names():
        kind = find_kind(name)
        if kind is not None:
            names.update(kind.packages)
    return tuple(sorted(names))

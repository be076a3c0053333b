"""The registry of scenario kinds: an explicit table plus the entry-point group ``closeout.kinds``.

A built-in kind is a folder ``closeout/kinds/<name>/`` (entry module ``kind.py`` holding
``KIND``) and one line in ``_BUILTIN``. A kind from another distribution registers an entry
point in the group ``closeout.kinds`` (name = the kind's name, value = ``module:attribute``).
The contract a kind implements is ``closeout.kind``. A built-in kind whose folder is absent
(a slimmed install) is reported as "not available in this version" rather than "unknown".
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
    """A registered kind could not be imported, or is not a ``Kind``."""


@cache
def _registered() -> dict[str, str]:
    """Every kind name -> ``module:attribute``; built-ins win over a same-named plugin."""
    found = {ep.name: ep.value for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}
    return found | _BUILTIN


def kind_names() -> list[str]:
    """The kinds this installation can run."""
    return sorted(name for name, target in _registered().items() if _available(target))


def all_kind_names() -> list[str]:
    """Every kind the specification names, plus the installed plugin kinds."""
    return sorted(_registered())


def _available(target: str) -> bool:
    module = target.partition(":")[0]
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


@cache
def get_kind(name: str) -> AnyKind:
    """The kind registered under ``name``; KeyError when there is none."""
    module_name, _, attribute = _registered()[name].partition(":")
    try:
        kind = getattr(importlib.import_module(module_name), attribute or "KIND")
    except (ImportError, AttributeError) as exc:
        raise KindLoadError(
            f"kind '{name}' ({_registered()[name]}) cannot be loaded: {exc}"
        ) from exc
    if not isinstance(kind, Kind) or kind.name != name:
        raise KindLoadError(
            f"kind '{name}' ({_registered()[name]}) is not a closeout.kind.Kind named '{name}'"
        )
    return kind


def find_kind(name: str) -> AnyKind | None:
    """The kind registered under ``name``, or None when it is unknown or cannot be loaded."""
    if name not in _registered():
        return None
    try:
        return get_kind(name)
    except KindLoadError:
        return None


def kind_packages() -> tuple[str, ...]:
    """The distributions whose versions every run records: each loadable kind's packages."""
    names: set[str] = set()
    for name in kind_names():
        kind = find_kind(name)
        if kind is not None:
            names.update(kind.packages)
    return tuple(sorted(names))

"""``module:attribute`` references: the one place the command line imports closeout by name.

The command table names each handler by reference, so ``closeout --help`` imports no handler
module; the dispatcher loads the chosen one here, and ``search --state`` its state filter
(which needs the loader, so plain ``search`` must not import it).
"""

from __future__ import annotations

import importlib
from typing import Any


def load(reference: str) -> Any:
    """The object a ``module:attribute`` reference names, importing its module."""
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute)

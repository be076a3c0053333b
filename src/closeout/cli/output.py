"""What every command prints, and the exit codes it returns (SPEC §6).

Handlers import this module, never the ``closeout.cli`` package, so a handler module can be
imported on its own (by the dispatcher, or by a test) without building the parser.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from typing import Any

EXIT_OK = 0
"""The command did its work."""
EXIT_NO = 1
"""The work ran and the answer is no (a scenario failed, a closure was refused, ...)."""
EXIT_USAGE = 2
"""Bad input or usage: the user can act on the message."""
EXIT_BUG = 3
"""A bug in closeout."""

Handler = Callable[[argparse.Namespace], int]
"""A command: parsed arguments in, exit code out."""

FORMATS = ("text", "json", "github")
"""``--format``: plain text, one JSON document, or GitHub workflow annotations (SPEC §16)."""
GITHUB_COMMANDS = ("lint", "run", "gate", "recur", "verify")
"""The commands whose results ``closeout.cli.github`` turns into annotations; the others
print their text output under ``--format github``."""


def emit(data: Any) -> None:
    """Print ``data`` as the indented JSON every ``--json`` option writes."""
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def emit_error(message: str, code: int) -> None:
    """The one JSON document of a command that failed: why, and its exit code."""
    emit({"error": message, "exit": code})


def say(text: str) -> None:
    """Print ``text`` on standard output."""
    print(text)


def note(text: str) -> None:
    """Print ``text`` on standard error: a tally that must not mix with ``--json`` output."""
    print(text, file=sys.stderr)


def warn(message: str) -> None:
    """Print ``closeout: message`` on standard error."""
    note(f"closeout: {message}")


def warn_all(messages: Iterable[str]) -> None:
    """Print each message as ``closeout: message`` on standard error."""
    for message in messages:
        warn(message)

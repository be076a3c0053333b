"""How far a long run is, on the terminal the run was started from; nothing anywhere else.

A kind calls ``context.progress(done, total, unit)`` as often as it likes; ``shown(label)``
gives the runner the function to put there. On a terminal it draws one line, at most five
times a second and only once the side has run for a fifth of a second, such as
``INC-2025-031/a1-drift: fixed 12/48 windows, 3s``, and erases it when the side ends. When
there is no terminal it does nothing at all: no byte reaches stdout, stderr or a log.

Which terminal: the one on standard error when this module was imported. pytest's capture
points file descriptor 2 at a temporary file while a test runs, so the terminal's name is
looked up before that and the line is written to that device directly: ``closeout run``
imports the runner before it starts pytest, and a plain ``pytest`` session imports it while
collecting the scenario folders, which pytest does not capture (``remember()`` looks again,
for a caller that knows capture is off). Under a pytest-xdist worker nothing is shown:
several workers would draw over each other on one line.

The line is drawn where the cursor is (after pytest's ``scenarios/x.yaml`` or its verbose
test id) with the cursor saved and restored and line wrap off, so it never scrolls the
screen or moves pytest's own output; erasing it leaves that output as it was.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import IO

INTERVAL_S = 0.2
"""Seconds between two drawings of the line (and before the first): at most 5 a second."""

_SAVE, _RESTORE = "\x1b7", "\x1b8"  # DECSC / DECRC: save and restore the cursor
_NO_WRAP, _WRAP = "\x1b[?7l", "\x1b[?7h"  # DECAWM off / on: text past the edge is dropped
_ERASE = "\x1b[K"  # erase from the cursor to the end of the line


def _find_terminal() -> str | None:
    """The device of the terminal on standard error, if it is one that can show progress."""
    if os.environ.get("PYTEST_XDIST_WORKER") or os.environ.get("TERM") == "dumb":
        return None
    try:
        return os.ttyname(2) if os.isatty(2) else None
    except (OSError, AttributeError):  # a closed descriptor; no ttyname (Windows)
        return None


_terminal: str | None = _find_terminal()


def remember() -> None:
    """Look the terminal up again (where pytest's capture is known to be off)."""
    global _terminal
    _terminal = _find_terminal()


def terminal() -> str | None:
    """The terminal progress is drawn on, or None (then nothing is ever drawn)."""
    return _terminal


class Line:
    """One progress line on the terminal ``device``, throttled, erased by ``close()``."""

    def __init__(
        self,
        label: str,
        device: str,
        *,
        interval: float = INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.device = device
        self.interval = interval
        self.clock = clock
        self.started = self.last = clock()
        self.out: IO[str] | None = None
        self.broken = False  # the terminal went away: stop drawing

    def __call__(self, done: int, total: int | None, unit: str) -> None:
        """Draw ``label: done/total unit`` unless the last drawing was under ``interval`` ago."""
        now = self.clock()
        if self.broken or now - self.last < self.interval:
            return
        self.last = now
        count = f"{done}/{total}" if total is not None else str(done)
        text = f" {self.label} {count} {unit}, {now - self.started:.0f}s"
        self.write(f"{_SAVE}{_NO_WRAP}{text}{_ERASE}{_WRAP}{_RESTORE}")

    def close(self) -> None:
        """Erase the line (if it was ever drawn) and let the terminal go."""
        if self.out is not None:
            self.write(_ERASE)
            with suppress(OSError):
                self.out.close()
            self.out = None

    def write(self, text: str) -> None:
        """Write ``text`` to the terminal as it is; a terminal gone away stops the line."""
        try:
            if self.out is None:
                # O_NOCTTY: drawing progress never makes this process own the terminal.
                # O_APPEND: lines of several sides that share a device never overwrite.
                flags = os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOCTTY", 0)
                fd = os.open(self.device, flags)
                self.out = os.fdopen(fd, "w", encoding="utf-8", errors="replace")
            self.out.write(text)
            self.out.flush()
        except OSError:
            self.broken = True


def _nothing(done: int, total: int | None, unit: str) -> None:
    """Progress where there is no terminal: nothing."""


@contextmanager
def shown(label: str) -> Iterator[Callable[[int, int | None, str], None]]:
    """The progress function for one side of a run, erased when the block ends."""
    device = _terminal
    if device is None:
        yield _nothing
        return
    line = Line(label, device)
    try:
        yield line
    finally:
        line.close()


def erase() -> None:
    """Erase what a stopped or crashed child process may have left drawn."""
    if _terminal is None:
        return
    line = Line("", _terminal)
    line.write(_ERASE)
    line.close()

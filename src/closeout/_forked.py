"""Run work in a forked child process, so that nothing it does can take the caller down.

User code under test may call ``os._exit``, kill its own process, crash the interpreter or
never return. ``run_forked`` runs ``work`` in a child made by ``os.fork`` (a copy-on-write copy
of this process: nothing is imported again) and gives back every message the child sent
before it ended, and how it ended:

- ``finished``: ``work`` returned;
- ``vanished``: the child ended before ``work`` returned (``os._exit``, a signal, a crash, an
  exception escaping ``work``); ``detail`` says how;
- ``timed_out``: the deadline passed, so the child was killed.

Messages are pickled and framed by their length on a pipe; after the last one the child sends
an end mark and calls ``os._exit`` at once, so neither atexit handlers nor the caller's own
clean-up (pytest's, say) ever run twice. Where ``os.fork`` does not exist, ``supported()`` is
false and callers run their work in-process.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import sys
import time
import traceback
import warnings
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, Literal, NoReturn

Send = Callable[[Any], None]
Ending = Literal["finished", "vanished", "timed_out"]

_HEADER = struct.Struct("!Q")
_END = "closeout._forked:end"  # the end mark: work returned, nothing follows
_EXIT_RAISED = 70  # EX_SOFTWARE: an exception escaped ``work`` in the child
_CHUNK = 1 << 16


@dataclass(frozen=True)
class Forked:
    """What a forked child sent back, how it ended, and how long it took."""

    messages: list[Any] = field(default_factory=list)
    ending: Ending = "finished"
    detail: str = ""  # for ``vanished``: how the child ended, in words
    elapsed_s: float = 0.0


def supported() -> bool:
    """Whether this platform can fork (POSIX); elsewhere work runs in-process."""
    return hasattr(os, "fork")


def run_forked(work: Callable[[Send], None], timeout_s: float) -> Forked:
    """Run ``work(send)`` in a forked child, for at most ``timeout_s`` seconds."""
    read_fd, write_fd = os.pipe()
    _flush_stdio()  # or the child would print the parent's buffered output a second time
    started = time.monotonic()
    with warnings.catch_warnings():
        # Python 3.12+ warns about forking a process that has threads (pytest-xdist's execnet
        # thread); the child runs only closeout and the subject and never returns.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _child(work, write_fd)
    os.close(write_fd)
    try:
        reader = _Reader(read_fd)
        timed_out = not reader.read_until(started + timeout_s)
        if timed_out:
            _kill(pid)
        status = _reap(pid)
    except BaseException:  # Ctrl-C while waiting: never leave the child running
        _kill(pid)
        _reap(pid)
        raise
    finally:
        os.close(read_fd)
    elapsed = time.monotonic() - started
    if timed_out:
        return Forked(reader.messages, "timed_out", "", elapsed)
    if reader.ended and reader.problem is None:
        return Forked(reader.messages, "finished", "", elapsed)
    return Forked(reader.messages, "vanished", reader.problem or describe_exit(status), elapsed)


def describe_exit(status: int) -> str:
    """A child's wait status in words: ``exited with code 0``, ``was killed by SIGKILL``."""
    code = os.waitstatus_to_exitcode(status)
    if code >= 0:
        return f"exited with code {code}"
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = f"signal {-code}"
    return f"was killed by {name}"


# --------------------------------------------------------------------------- the child


def _child(work: Callable[[Send], None], write_fd: int) -> NoReturn:
    code = 0
    try:
        work(lambda message: _send(write_fd, message))
        _flush_stdio()
        _send(write_fd, _END)
    except BaseException as exc:  # the parent learns how the child ended from its exit code
        code = _EXIT_RAISED
        with suppress(BaseException):
            text = "".join(traceback.format_exception(exc))
            _send(write_fd, (_END, text))
    finally:
        with suppress(BaseException):
            _flush_stdio()
        os._exit(code)


def _send(fd: int, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _flush_stdio() -> None:
    for stream in (sys.stdout, sys.stderr):
        with suppress(Exception):
            stream.flush()


# --------------------------------------------------------------------------- the parent


class _Reader:
    """Reads the child's frames as they arrive, until the end mark, EOF or the deadline."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = bytearray()
        self.messages: list[Any] = []
        self.ended = False
        self.problem: str | None = None  # why the child's messages cannot be trusted

    def read_until(self, deadline: float) -> bool:
        """Read until the end mark or EOF (True), or until ``deadline`` passes (False)."""
        while not self.ended:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self.fd, _CHUNK)
            if not chunk:
                return True  # EOF: the child is gone
            self.buffer += chunk
            self._parse()
        return True

    def _parse(self) -> None:
        while len(self.buffer) >= _HEADER.size and not self.ended:
            (size,) = _HEADER.unpack_from(self.buffer)
            if len(self.buffer) < _HEADER.size + size:
                return
            frame = bytes(self.buffer[_HEADER.size : _HEADER.size + size])
            del self.buffer[: _HEADER.size + size]
            self._take(frame)

    def _take(self, frame: bytes) -> None:
        try:
            message = pickle.loads(frame)
        except Exception as exc:  # a result the parent cannot rebuild is no result
            self.ended, self.problem = True, f"sent a result that cannot be read back: {exc!r}"
            return
        if isinstance(message, str) and message == _END:
            self.ended = True
        elif isinstance(message, tuple) and len(message) == 2 and message[0] == _END:
            text = str(message[1]).strip()
            last = text.splitlines()[-1] if text else "an exception"
            self.ended, self.problem = True, f"raised {last}\n{text}"
        else:
            self.messages.append(message)


def _kill(pid: int) -> None:
    with suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _reap(pid: int) -> int:
    with suppress(ChildProcessError):
        while True:
            done, status = os.waitpid(pid, 0)
            if done == pid:
                return status
    return 0

"""The one atomic file writer: evidence records, artifacts, charts, report pages and caches.

A file is written to a temporary name in its own folder (so the rename cannot cross file
systems), flushed, optionally fsync'ed, then renamed over the target: a reader sees the old
file or the new one, never half of one, and a failed write leaves nothing behind. The file
is created with mode ``0o666`` and the kernel applies the process umask, so every file
closeout writes is readable by others under the usual umask 022 (0644), like any file a
user's tools create; ``tempfile.mkstemp`` would have made it 0600.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal

FILE_MODE = 0o666  # before the umask: 0644 under umask 022
TEMP_PREFIX = ".tmp-"  # readers skip names starting with "."
_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)

Stage = Literal["folder", "create", "write"]


class AtomicWriteError(OSError):
    """A write failed and left nothing behind; ``stage`` says which step failed.

    It carries the errno, message and file name of the ``OSError`` that caused it, so code
    that catches ``OSError`` sees what it saw before.
    """

    def __init__(self, stage: Stage, cause: OSError) -> None:
        if cause.filename is None:
            super().__init__(*cause.args)
        else:
            super().__init__(cause.errno, cause.strerror, cause.filename)
        self.stage: Stage = stage
        self.cause = cause


def write_bytes(path: Path, data: bytes, *, mode: int = FILE_MODE, durable: bool = True) -> None:
    """Write ``data`` to ``path`` atomically; ``durable`` fsyncs before the rename.

    Raises AtomicWriteError (an OSError) when the folder cannot be made, the temporary file
    cannot be created, or writing or renaming it fails.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AtomicWriteError("folder", exc) from exc
    try:
        handle, temp = _create_temp(path, mode)
    except OSError as exc:
        raise AtomicWriteError("create", exc) from exc
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            if durable:
                os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException as exc:
        temp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise AtomicWriteError("write", exc) from exc
        raise


def write_text(path: Path, text: str, *, mode: int = FILE_MODE, durable: bool = True) -> None:
    """Write ``text`` as UTF-8 with ``\\n`` line ends, atomically (see ``write_bytes``)."""
    write_bytes(path, text.encode("utf-8"), mode=mode, durable=durable)


def _create_temp(path: Path, mode: int) -> tuple[int, Path]:
    """An open, new file beside ``path``; its name starts with ``.`` so readers skip it."""
    while True:
        temp = path.with_name(f"{TEMP_PREFIX}{secrets.token_hex(8)}{path.suffix}")
        try:
            return os.open(temp, _OPEN_FLAGS, mode), temp
        except FileExistsError:
            continue  # 64 random bits: only ever another writer's name, so try another

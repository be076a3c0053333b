"""The one atomic file writer, and the careful reader of files others may have planted.

Writing: evidence records, artifacts, charts, report pages and caches.

A file is written to a temporary name in its own folder (so the rename cannot cross file
systems), flushed, optionally fsync'ed, then renamed over the target: a reader sees the old
file or the new one, never half of one, and a failed write leaves nothing behind. The file
is created with mode ``0o666`` and the kernel applies the process umask, so every file
closeout writes is readable by others under the usual umask 022 (0644), like any file a
user's tools create; ``tempfile.mkstemp`` would have made it 0600.

A writer killed between creating its temporary file and renaming it leaves a hidden
``.tmp-*`` file; ``sweep_temp`` (called by the next evidence writer) removes those older than
an hour. Reading: ``read_regular`` opens a file without following a symbolic link and
without blocking, and reads it only when it is a regular file of a sane size, so a FIFO, a
directory or a link to ``/dev/zero`` named like a record can neither hang nor crash a reader.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

if sys.platform != "win32":
    import fcntl

FILE_MODE = 0o666  # before the umask: 0644 under umask 022
TEMP_PREFIX = ".tmp-"  # readers skip names starting with "."
_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
TEMP_MAX_AGE_S = 3600  # a writer never holds its temporary file anywhere near this long

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


# --------------------------------------------------------------------------- reading


class NotARegularFile(OSError):
    """The path is not a regular file closeout may read (``what`` says what it is)."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def file_kind(mode: int) -> str:
    """What a file of ``st_mode`` is, in words (``regular file``, ``FIFO``, ...)."""
    kinds = (
        (stat.S_ISREG, "regular file"),
        (stat.S_ISDIR, "directory"),
        (stat.S_ISLNK, "symbolic link"),
        (stat.S_ISFIFO, "FIFO"),
        (stat.S_ISSOCK, "socket"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
    )
    return next((name for test, name in kinds if test(mode)), "special file")


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    Never follows a symbolic link and never blocks (a FIFO is refused before it is read):
    NotARegularFile for anything else, OSError when it cannot be opened.
    """
    try:
        handle = os.open(path, _READ_FLAGS)
    except OSError as exc:
        if exc.errno == getattr(os, "ELOOP", -1) or path.is_symlink():
            raise NotARegularFile("symbolic link") from None
        raise
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise NotARegularFile(file_kind(info.st_mode))
        if info.st_size > limit:
            raise NotARegularFile(f"file of {info.st_size} bytes (over {limit})")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(handle, max(info.st_size - size, 0) + 65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(handle)
    if size > limit:
        raise NotARegularFile(f"file of over {limit} bytes")
    return b"".join(chunks)


def file_sha256(path: Path) -> str:
    """The sha256 (hex) of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --------------------------------------------------------------------------- housekeeping


def sweep_temp(folder: Path, max_age_s: float = TEMP_MAX_AGE_S) -> list[str]:
    """Remove the temporary files of killed writers in ``folder`` older than ``max_age_s``.

    Only regular files named ``.tmp-*`` go; a writer in progress is far younger than an
    hour. Returns the names removed; a file that cannot be removed is left alone.
    """
    removed = []
    cutoff = time.time() - max_age_s
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        if not entry.name.startswith(TEMP_PREFIX):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                os.unlink(entry.path)
                removed.append(entry.name)
        except OSError:
            continue
    return removed


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing) for the ``with`` block.

    Writers that must not both act on the same state (two ``close`` of one action) take
    it; where the platform has no ``fcntl`` the block runs unlocked.
    """
    if sys.platform == "win32":  # pragma: no cover - no flock there
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), FILE_MODE)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock

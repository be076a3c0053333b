"""Listing an evidence folder: record files, and what only looks like one.

A record file is a regular file named ``*.json`` whose name does not start with ``.`` (the
index, the lock and writers' temporary files do). Entries are examined with ``lstat``: a
directory, a FIFO, a socket, a device or a symbolic link named like a record is listed as
odd, never opened, so it can neither hang nor crash a reader; ``verify`` names it.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from closeout._io import file_kind

StatKey = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode: changes with any write


@dataclass(frozen=True, slots=True)
class Listed:
    """One entry named like a record: ``kind`` is ``regular file`` for a record file."""

    name: str
    kind: str
    key: StatKey | None = None

    @property
    def regular(self) -> bool:
        return self.key is not None


def list_folder(folder: Path) -> list[Listed]:
    """Every entry of ``folder`` named like a record, sorted by name (none: no folder)."""
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return []
    found = []
    for entry in entries:
        if not entry.name.endswith(".json") or entry.name.startswith("."):
            continue
        found.append(_listed(entry))
    found.sort(key=lambda listed: listed.name)
    return found


def _listed(entry: os.DirEntry[str]) -> Listed:
    try:
        info = entry.stat(follow_symlinks=False)
    except OSError as exc:
        return Listed(entry.name, f"entry that cannot be examined ({exc.strerror})")
    if not stat.S_ISREG(info.st_mode):
        return Listed(entry.name, file_kind(info.st_mode))
    key = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
    return Listed(entry.name, "regular file", key)

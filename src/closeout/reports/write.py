"""Writing report files atomically, readable by a web server (see ``closeout._io``)."""

from __future__ import annotations

from pathlib import Path

from closeout._io import write_text as _write_text


def write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` so a reader sees the old file or the new, never half.

    Pages and caches are rebuilt from the project at will, so they skip the fsync that
    evidence pays for.
    """
    _write_text(path, text, durable=False)

"""Writing report files atomically, readable by a web server (see ``closeout._io``).

Every page passes through ``visible_controls`` on its way to disk: the bidirectional
formatting characters (U+202A-U+202E, U+2066-U+2069) would let a postmortem's text reorder
what a reader sees ("Trojan Source"), so each is written as its escape, ``\\u202e``, in
HTML, Markdown, SVG and JSON alike (in a JSON string that escape reads back as the same
character, so caches round-trip; ``archive.embed_json`` keeps them visible in the page).
"""

from __future__ import annotations

import re
from pathlib import Path

from closeout._io import write_text as _write_text

BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` so a reader sees the old file or the new, never half.

    Pages and caches are rebuilt from the project at will, so they skip the fsync that
    evidence pays for. A failure (a full or read-only disk) is an OSError naming ``path``.
    """
    try:
        _write_text(path, visible_controls(text), durable=False)
    except OSError as exc:
        raise OSError(exc.errno, f"cannot write: {exc.strerror or exc}", str(path)) from exc


def visible_controls(text: str) -> str:
    """``text`` with each bidirectional formatting character written as ``\\uXXXX``."""
    return BIDI_CONTROLS.sub(lambda found: f"\\u{ord(found[0]):04x}", text)

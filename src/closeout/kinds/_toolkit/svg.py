"""SVG helpers shared by the kinds' charts (no plotting library, no network)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from closeout._io import write_text

WIDTH = 900


def scale(d0: float, d1: float, r0: float, r1: float) -> Any:
    width = (d1 - d0) or 1
    return lambda v: r0 + (v - d0) / width * (r1 - r0)


def write_svg(path: Path, text: str) -> None:
    """Write a chart atomically, readable by others like every artifact (``closeout._io``)."""
    write_text(path, text)

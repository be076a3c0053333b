"""SVG helpers shared by the kinds' charts (no plotting library, no network)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

WIDTH = 900


def scale(d0: float, d1: float, r0: float, r1: float) -> Any:
    width = (d1 - d0) or 1
    return lambda v: r0 + (v - d0) / width * (r1 - r0)


def write_svg(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".svg")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise

"""A failing example: why it fails (``Broken``) and the frame that shows it (``Found``).

Properties and validators judge a frame into a ``Broken`` (or None); the search, the polish
and the report pass the failing frame around as a ``Found``. Neither knows hypothesis or
pandas at run time, so every engine module can share them without importing another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Broken:
    """Why a frame breaks an expectation (and the user's traceback, if their code raised)."""

    message: str
    traceback: str | None = None


@dataclass
class Found:
    """A failing example: the frame to report, what broke, and which expectation it breaks."""

    key: str
    frame: pd.DataFrame
    broken: Broken
    source: str = "generated"  # or edge_cases[i]
    extra: dict[str, Any] = field(default_factory=dict)
    flaky: bool = False
    example: Any = None  # what the strategy drew (a Generated or an Injected), for polishing

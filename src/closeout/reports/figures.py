"""Key figures and artifacts of a run record, for any kind.

Each kind names its own figures (``Kind.figures``); an unknown kind, or a record whose
metrics lack the keys its kind looks for, gets its top-level scalar metrics.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from closeout.kind import Figures, generic_figures
from closeout.kinds import find_kind

MAX_FIGURES = 8


def key_figures(record: dict[str, Any]) -> Figures:
    """The few numbers that say what a run found, as (label, value) pairs."""
    metrics = record.get("metrics")
    if not isinstance(metrics, dict):
        return []
    kind = find_kind(str(record.get("kind")))
    found = kind.figures(metrics) if kind is not None else []
    return (found or generic_figures(metrics))[:MAX_FIGURES]


EVIDENTLY_SNAPSHOT = "-evidently.json"


@dataclass(frozen=True)
class Artifact:
    path: str  # project-relative, as the record lists it
    kind: str  # image | html | snapshot (an evidently snapshot, JSON) | other
    label: str

    @property
    def html_view(self) -> str:
        """Where ``closeout report --evidently`` writes a snapshot's HTML (beside it)."""
        return self.path[: -len(".json")] + ".html" if self.kind == "snapshot" else ""


def artifacts(record: dict[str, Any]) -> list[Artifact]:
    """The files a run wrote (charts, evidently reports and snapshots), labelled by the side
    they show and what they are."""
    out = []
    for path in record.get("artifacts") or []:
        if not isinstance(path, str):
            continue
        name = PurePosixPath(path).name
        suffix = PurePosixPath(path).suffix.lower()
        kind = "image" if suffix in (".svg", ".png") else "html" if suffix == ".html" else "other"
        if name.lower().endswith(EVIDENTLY_SNAPSHOT):
            kind = "snapshot"
        words = PurePosixPath(path).stem.split("-")
        side = "pre-fix state" if "before" in words else "fixed state" if "fixed" in words else name
        what = {"html": " (evidently report)", "snapshot": " (evidently snapshot, JSON)"}
        out.append(Artifact(path, kind, side + what.get(kind, "")))
    return out

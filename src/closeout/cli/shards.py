"""``--shard K/N``: a deterministic split of the selected scenarios into N shards (SPEC §16).

Each scenario weighs its latest recorded duration (from the evidence records); one never run
weighs the median of the known durations (1 s when none is known). The heaviest scenario goes
first to the lightest shard (ties by path, then by shard number), so every scenario lands in
exactly one shard, the same one on every machine that holds the same evidence.
"""

from __future__ import annotations

import json
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from closeout.errors import UsageError
from closeout.evidence import read_record
from closeout.loader import is_scenario_file
from closeout.project import Project
from closeout.store import evidence_dir, incidents_with_evidence, load_summaries, scan_scenarios

UNKNOWN_DURATION_S = 1.0
"""The weight of a scenario when no duration at all is on record."""
_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str) -> Shard:
    """``K/N`` with 1 <= K <= N; anything else is a usage error (exit 2)."""
    match = _SHARD.match(text)
    if not match:
        raise UsageError(f"--shard {text!r}: expected K/N, e.g. --shard 1/4")
    index, count = int(match[1]), int(match[2])
    if count < 1 or not 1 <= index <= count:
        raise UsageError(f"--shard {text}: K must be between 1 and N (N at least 1)")
    return Shard(index, count)


@dataclass
class Bucket:
    """One shard's share: its units (scenario paths or test node ids) and their weight."""

    index: int
    units: list[str] = field(default_factory=list)
    seconds: float = 0.0


def assign(weights: dict[str, float], count: int) -> list[Bucket]:
    """Greedy longest-first: each unit, heaviest first (ties by name), to the lightest
    bucket (ties by number)."""
    buckets = [Bucket(i + 1) for i in range(count)]
    for unit in sorted(weights, key=lambda u: (-weights[u], u)):
        lightest = min(buckets, key=lambda b: (b.seconds, b.index))
        lightest.units.append(unit)
        lightest.seconds += weights[unit]
    return buckets


def scenario_files(targets: list[Path]) -> list[Path]:
    """The scenario files below ``targets`` (files stay, folders are expanded), sorted."""
    found: list[Path] = []
    for target in targets:
        if target.is_dir():
            found += [
                p
                for p in target.rglob("*.y*ml")
                if is_scenario_file(p) and not any(part.startswith(".") for part in p.parts)
            ]
        else:
            found.append(target)
    return sorted(dict.fromkeys(p.resolve() for p in found))


def recorded_durations(project: Project) -> dict[str, float]:
    """The latest recorded duration of each scenario file (project-relative path) and each
    marked Python test (its node id), from the records that count."""
    durations: dict[str, float] = {}
    for incident in incidents_with_evidence(project):
        paths: dict[str, list[str]] = {}
        for info in scan_scenarios(project, incident):
            paths.setdefault(info.name, []).append(info.path)
        latest = {}
        for summary in load_summaries(project, incident):  # oldest first
            if summary.type == "run" and summary.scenario:
                latest[summary.scenario] = summary
        for name, summary in latest.items():
            seconds = _duration(evidence_dir(project, incident) / summary.file)
            if seconds is None:
                continue
            if summary.kind == "pytest":
                durations[name] = seconds
            for path in paths.get(name, []):
                durations[path] = seconds
    return durations


def _duration(path: Path) -> float | None:
    try:
        value = read_record(path).get("duration_s")
    except (OSError, ValueError):
        return None
    return float(value) if isinstance(value, int | float) and value >= 0 else None


def weights_of(units: list[str], durations: dict[str, float]) -> dict[str, float]:
    """Each unit's weight: its recorded duration, else the median of the known ones."""
    known = [durations[u] for u in units if u in durations]
    fallback = statistics.median(known) if known else UNKNOWN_DURATION_S
    return {u: durations.get(u, fallback) for u in units}


def split(
    project: Project, units: list[str], count: int
) -> tuple[list[Bucket], dict[str, float], set[str]]:
    """The shards of ``units``, each unit's weight, and which weights were on record."""
    durations = recorded_durations(project)
    weights = weights_of(units, durations)
    return assign(weights, count), weights, {u for u in units if u in durations}


def unit_of(project: Project, target: Path | str) -> str:
    """A scenario file as its project-relative path; a test's node id with its file made
    project-relative too (recorded durations are keyed so)."""
    if isinstance(target, Path):
        return project.display(target)
    file, separator, rest = target.partition("::")
    return f"{project.display(Path(file))}{separator}{rest}" if separator else target


def read_plan(path: Path, count: int) -> list[set[str]]:
    """The units of each shard from ``closeout plan --shards N --json`` output; a usage
    error when the file is not such a plan or splits into another number of shards."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        shards = [{str(entry["path"]) for entry in shard["scenarios"]} for shard in data["shards"]]
    except FileNotFoundError:
        raise UsageError(f"--plan {path}: no such file") from None
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(
            f"--plan {path}: not the JSON of `closeout plan --shards N --json` ({exc})"
        ) from None
    if len(shards) != count:
        raise UsageError(f"--plan {path}: splits into {len(shards)} shards, not {count}")
    return shards

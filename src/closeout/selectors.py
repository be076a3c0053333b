"""Turning ``closeout run`` selectors (INC, INC/A1, INC/A1/scenario, a path) into files."""

from __future__ import annotations

from pathlib import Path

from closeout.errors import CloseoutError, UsageError
from closeout.loader import is_scenario_file, read_raw
from closeout.models import suggest
from closeout.project import Project


def select(project: Project, selectors: list[str]) -> list[Path]:
    """Files and folders for pytest; a selector that matches nothing is a UsageError."""
    if not selectors:
        if not project.scenarios_dir.is_dir():
            raise UsageError(f"no scenarios folder at {project.display(project.scenarios_dir)}")
        return [project.scenarios_dir]
    targets: list[Path] = []
    for selector in selectors:
        targets += _one(project, selector)
    return list(dict.fromkeys(targets))


def _one(project: Project, selector: str) -> list[Path]:
    as_path = Path(selector)
    if as_path.exists():
        return [as_path.resolve()]
    parts = selector.strip("/").split("/")
    incidents = sorted(p.name for p in project.scenarios_dir.glob("*") if p.is_dir())
    folder = project.scenarios_dir / parts[0]
    if len(parts) > 3 or not folder.is_dir():
        raise UsageError(f"'{selector}': no such incident or path{suggest(parts[0], incidents)}")
    if len(parts) == 1:
        return [folder]
    files = [f for f in sorted(folder.iterdir()) if f.is_file() and is_scenario_file(f)]
    chosen = [
        f for f in files if _matches(project, f, parts[1], parts[2] if len(parts) > 2 else None)
    ]
    if not chosen:
        raise UsageError(
            f"'{selector}': no scenario in {parts[0]} for action '{parts[1]}'"
            + (f" named '{parts[2]}'" if len(parts) > 2 else "")
        )
    return chosen


def _matches(project: Project, path: Path, action: str, name: str | None) -> bool:
    try:
        raw, _ = read_raw(path, project.display(path))
    except CloseoutError:
        return False
    scenario_name = raw.get("name") or path.stem
    return raw.get("action") == action and (name is None or scenario_name == name)

"""The project: its root, its ``[tool.closeout]`` settings, and path confinement."""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from closeout._time import parse_duration_ms
from closeout.errors import UsageError

_KNOWN_SETTINGS = {
    "scenarios",
    "fixtures",
    "reports",
    "python_paths",
    "evidence_max_age",
    "require_signed",
}


@dataclass(frozen=True)
class Project:
    """A closeout project rooted at ``root`` with its settings resolved."""

    root: Path
    scenarios: str = "scenarios"
    fixtures: str = "fixtures"
    reports: str = "reports"
    python_paths: tuple[str, ...] = ("src", ".")
    evidence_max_age_ms: int = 90 * 86_400_000
    require_signed: bool = False
    config_file: Path | None = field(default=None)

    @property
    def scenarios_dir(self) -> Path:
        return self.root / self.scenarios

    @property
    def reports_dir(self) -> Path:
        return self.root / self.reports

    def display(self, path: Path) -> str:
        """A path as shown to users: relative to the root when inside it."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def resolve_inside(self, relative: str) -> Path:
        """Resolve a project-relative path; raise ValueError if it leaves the project."""
        if not relative or not relative.strip():
            raise ValueError("empty path")
        candidate = Path(relative)
        if candidate.is_absolute():
            raise ValueError(f"'{relative}' is absolute; paths are relative to the project root")
        resolved = (self.root / candidate).resolve()
        if resolved != self.root and self.root not in resolved.parents:
            raise ValueError(f"'{relative}' resolves outside the project root ({resolved})")
        return resolved


def find_root(start: Path | None = None) -> tuple[Path, Path | None]:
    """Walk up from ``start`` to the nearest pyproject.toml holding ``[tool.closeout]``."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file() and _has_closeout_table(candidate):
            return directory, candidate
    return here, None


def _has_closeout_table(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return False
    return "[tool.closeout]" in text


def load_project(start: Path | None = None) -> Project:
    """Find the project root and read its settings; bad settings are a UsageError."""
    env_root = os.environ.get("CLOSEOUT_ROOT")
    root, config = find_root(Path(env_root) if env_root else start)
    if config is None:
        return Project(root=root)
    try:
        source = config.read_text(encoding="utf-8")
        data = tomllib.loads(source)
    except OSError as exc:
        raise UsageError(f"{_shown(config)}: cannot read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        line = f":{found[1]}" if found else ""
        raise UsageError(f"{_shown(config)}{line}: invalid TOML: {exc}") from None
    settings = data.get("tool", {}).get("closeout", {})
    return _from_settings(root, config, settings, source)


def _shown(path: Path) -> str:
    """A path relative to the working directory when below it (as users typed it)."""
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


def _setting_line(source: str, name: str) -> int:
    """The line of ``name = ...`` inside the [tool.closeout] table, or of the table itself."""
    lines = source.splitlines()
    start = next((i for i, text in enumerate(lines) if text.strip() == "[tool.closeout]"), 0)
    for index in range(start + 1, len(lines)):
        if lines[index].lstrip().startswith("["):
            break
        if re.match(rf"\s*\"?{re.escape(name)}\"?\s*=", lines[index]):
            return index + 1
    return start + 1


def _from_settings(
    root: Path, config: Path, settings: dict[str, object], source: str = ""
) -> Project:
    def fail(name: str, problem: str) -> UsageError:
        where = f"{_shown(config)}:{_setting_line(source, name)}"
        return UsageError(f"{where}: [tool.closeout] {name}: {problem}")

    for name in sorted(set(settings) - _KNOWN_SETTINGS):
        raise fail(
            name, f"unknown setting{_suggest(name)}; known: {', '.join(sorted(_KNOWN_SETTINGS))}"
        )

    def text(name: str, default: str) -> str:
        value = settings.get(name, default)
        if not isinstance(value, str) or not value:
            raise fail(name, "must be a non-empty string")
        return value

    paths = settings.get("python_paths", ["src", "."])
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise fail("python_paths", "must be a list of strings")
    try:
        max_age = parse_duration_ms(text("evidence_max_age", "90d"))
    except ValueError as exc:
        raise fail("evidence_max_age", str(exc)) from None
    require_signed = settings.get("require_signed", False)
    if not isinstance(require_signed, bool):
        raise fail("require_signed", "must be true or false")
    return Project(
        root=root,
        scenarios=text("scenarios", "scenarios"),
        fixtures=text("fixtures", "fixtures"),
        reports=text("reports", "reports"),
        python_paths=tuple(paths),
        evidence_max_age_ms=max_age,
        require_signed=require_signed,
        config_file=config,
    )


def _suggest(name: str) -> str:
    close = difflib.get_close_matches(name, sorted(_KNOWN_SETTINGS), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""

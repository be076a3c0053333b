"""The project: its root, its ``[tool.closeout]`` settings, and path confinement."""

from __future__ import annotations

import os
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
        data = tomllib.loads(config.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{config}: cannot read [tool.closeout]: {exc}") from None
    settings = data.get("tool", {}).get("closeout", {})
    return _from_settings(root, config, settings)


def _from_settings(root: Path, config: Path, settings: dict[str, object]) -> Project:
    unknown = sorted(set(settings) - _KNOWN_SETTINGS)
    if unknown:
        raise UsageError(
            f"{config}: [tool.closeout]: unknown setting(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(_KNOWN_SETTINGS))}"
        )

    def text(name: str, default: str) -> str:
        value = settings.get(name, default)
        if not isinstance(value, str) or not value:
            raise UsageError(f"{config}: [tool.closeout]: {name} must be a non-empty string")
        return value

    paths = settings.get("python_paths", ["src", "."])
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise UsageError(f"{config}: [tool.closeout]: python_paths must be a list of strings")
    try:
        max_age = parse_duration_ms(text("evidence_max_age", "90d"))
    except ValueError as exc:
        raise UsageError(f"{config}: [tool.closeout]: evidence_max_age: {exc}") from None
    require_signed = settings.get("require_signed", False)
    if not isinstance(require_signed, bool):
        raise UsageError(f"{config}: [tool.closeout]: require_signed must be true or false")
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

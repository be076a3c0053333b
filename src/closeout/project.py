"""The project: its root, its ``[tool.closeout]`` settings, and path confinement."""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from closeout._time import parse_duration_ms
from closeout.errors import UsageError
from closeout.policy import Policy, parse_policy

_KNOWN_SETTINGS = {
    "scenarios",
    "fixtures",
    "reports",
    "python_paths",
    "evidence_max_age",
    "require_signed",
    "mlflow_log",
    "trusted_keys",
    "policy",
    "workers",
    "timeout",
    "ticket_url",
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
    mlflow_log: bool = False  # log every run record to MLflow (SPEC §13)
    trusted_keys: tuple[str, ...] = ()  # Ed25519 public keys (PEM), relative to the root
    workers: int | None = None  # processes for parallel work (drift windows); None: all cores
    timeout_ms: int = 600_000  # a scenario still running after this is stopped: an error
    # "https://tracker.example/browse/{ticket}": postmortem tickets become links (SPEC §16)
    ticket_url: str | None = None
    config_file: Path | None = field(default=None)
    policy: Policy = field(default_factory=Policy)  # [tool.closeout.policy], SPEC §14

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

    def ticket_link(self, ticket: str | None) -> str | None:
        """The URL of ``ticket`` from ``ticket_url``, or None (no ticket, or no template)."""
        if not ticket or not self.ticket_url:
            return None
        return self.ticket_url.replace("{ticket}", quote(ticket, safe=""))

    def trusted_key_paths(self) -> list[tuple[str, Path]]:
        """Each ``trusted_keys`` entry as written, with its path (relative to the root)."""
        return [(key, self.root / key) for key in self.trusted_keys]

    def setting_where(self, name: str) -> str:
        """``pyproject.toml:<line>`` of a setting, for messages about its value."""
        if self.config_file is None:
            return "[tool.closeout]"
        try:
            source = self.config_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            source = ""
        return f"{_shown(self.config_file)}:{_setting_line(source, name)}"

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
    root, config, _, _ = _find_config(start)
    return root, config


def _find_config(start: Path | None) -> tuple[Path, Path | None, dict[str, Any], str]:
    """The root, its pyproject.toml, and that file's parsed TOML and text.

    A pyproject.toml on the way that cannot be read, or that mentions closeout but cannot
    be parsed, is a UsageError: settings such as ``require_signed`` are never dropped
    silently because their file could not be read. The table is found however TOML
    spells it (``[ tool.closeout ]``, ``[tool."closeout"]``, dotted keys).
    """
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        candidate = directory / "pyproject.toml"
        if not candidate.is_file():
            continue
        found = _parse_if_ours(candidate)
        if found is not None:
            return directory, candidate, found[0], found[1]
    return here, None, {}, ""


def _parse_if_ours(path: Path) -> tuple[dict[str, Any], str] | None:
    """The TOML and text of ``path`` when it holds a closeout table, else None."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(
            f"{_shown(path)}: cannot read: {exc.strerror or exc} (closeout cannot tell "
            "whether it holds [tool.closeout] settings)"
        ) from None
    mentions = b"closeout" in raw
    try:
        source = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not mentions:
            return None
        line = raw[: exc.start].count(b"\n") + 1
        raise UsageError(f"{_shown(path)}:{line}: not UTF-8 text (TOML must be UTF-8)") from None
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        if not mentions:
            return None
        found = re.search(r"at line (\d+)", str(exc))
        where = f":{found[1]}" if found else ""
        raise UsageError(f"{_shown(path)}{where}: invalid TOML: {exc}") from None
    tool = data.get("tool")
    if not isinstance(tool, dict) or "closeout" not in tool:
        if mentions and "tool" in data and not isinstance(tool, dict):
            raise UsageError(f"{_shown(path)}: [tool] must be a table")
        return None
    return data, source


def load_project(start: Path | None = None) -> Project:
    """Find the project root and read its settings; bad settings are a UsageError."""
    env_root = os.environ.get("CLOSEOUT_ROOT")
    if env_root is not None and not Path(env_root).is_dir():
        raise UsageError(f"CLOSEOUT_ROOT={env_root!r}: no such folder")
    root, config, data, source = _find_config(Path(env_root) if env_root else start)
    if config is None:
        return Project(root=root)
    settings = data["tool"]["closeout"]
    if not isinstance(settings, dict):
        where = f"{_shown(config)}:{_setting_line(source, '')}"
        raise UsageError(f"{where}: [tool] closeout: must be a table of settings")
    return _from_settings(root, config, settings, source)


def _shown(path: Path) -> str:
    """A path relative to the working directory when below it (as users typed it)."""
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


# `[tool.closeout]`, `[ tool.closeout ]`, `[tool."closeout"]`, `[tool.'closeout']`
_TABLE = re.compile(r"""^\s*\[\s*tool\s*\.\s*(closeout|"closeout"|'closeout')\s*\]""")


def _setting_line(source: str, name: str) -> int:
    """The line of ``name = ...`` inside the [tool.closeout] table, or of the table itself."""
    lines = source.splitlines()
    start = next((i for i, text in enumerate(lines) if _TABLE.match(text)), -1)
    if start < 0:  # `[tool]` + `closeout = ...`, or dotted keys: the line naming closeout
        start = next((i for i, text in enumerate(lines) if "closeout" in text), 0)
    if not name:
        return start + 1
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
    mlflow_log = settings.get("mlflow_log", False)
    if not isinstance(mlflow_log, bool):
        raise fail("mlflow_log", "must be true or false")
    keys = settings.get("trusted_keys", [])
    if not isinstance(keys, list) or not all(isinstance(k, str) and k.strip() for k in keys):
        raise fail("trusted_keys", 'must be a list of public key files, e.g. ["keys/ci.pub"]')
    policy = parse_policy(settings.get("policy", {}), _shown(config), source)
    workers = settings.get("workers")
    if workers is not None and (type(workers) is not int or workers < 1):
        raise fail("workers", "must be a whole number of processes, 1 or more")
    try:
        timeout = parse_duration_ms(text("timeout", "10m"))
    except ValueError as exc:
        raise fail("timeout", str(exc)) from None
    if timeout <= 0:
        raise fail("timeout", "must be longer than 0s")
    ticket_url = settings.get("ticket_url")
    if ticket_url is not None and (
        not isinstance(ticket_url, str)
        or "{ticket}" not in ticket_url
        or not ticket_url.startswith(("https://", "http://"))
    ):
        raise fail(
            "ticket_url",
            "must be an http(s) URL with a {ticket} placeholder, e.g. "
            '"https://tracker.example/browse/{ticket}"',
        )
    return Project(
        root=root,
        scenarios=text("scenarios", "scenarios"),
        fixtures=text("fixtures", "fixtures"),
        reports=text("reports", "reports"),
        python_paths=tuple(paths),
        evidence_max_age_ms=max_age,
        require_signed=require_signed,
        mlflow_log=mlflow_log,
        trusted_keys=tuple(keys),
        workers=workers,
        timeout_ms=timeout,
        ticket_url=ticket_url,
        config_file=config,
        policy=policy,
    )


def _suggest(name: str) -> str:
    close = difflib.get_close_matches(name, sorted(_KNOWN_SETTINGS), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""

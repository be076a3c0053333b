"""The closeout project of a pytest session, read once and kept in the config's stash.

Imported with the hooks into every pytest session of the environment, so it imports nothing
beyond ``closeout.project`` (no pydantic, no loader).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from closeout.errors import UsageError
from closeout.project import Project, load_project

_PROJECT_KEY = pytest.StashKey[Project]()
_PATHS_KEY = pytest.StashKey[list[str]]()
ROOT_ENV = "CLOSEOUT_ROOT"


def project_of(config: pytest.Config) -> Project:
    """The closeout project: walking up from where pytest was invoked, else its rootdir."""
    project = config.stash.get(_PROJECT_KEY, None)
    if project is None:
        root = os.environ.get(ROOT_ENV, "")
        if root and not Path(root).is_dir():  # pointing nowhere is a usage error, not silence
            raise pytest.UsageError(f"{ROOT_ENV}={root}: no such folder")
        try:
            project = load_project(Path(config.invocation_params.dir))
            if project.config_file is None:
                from_root = load_project(Path(config.rootpath))
                project = from_root if from_root.config_file is not None else project
        except UsageError as exc:
            raise pytest.UsageError(str(exc)) from None
        config.stash[_PROJECT_KEY] = project
    return project


def is_scenario_path(project: Project, file_path: Path) -> bool:
    """Whether pytest should collect ``file_path`` as a closeout scenario file."""
    name = file_path.name
    if file_path.suffix not in (".yaml", ".yml") or name == "postmortem.yaml" or name[0] == ".":
        return False
    if project.scenarios_dir.resolve() not in file_path.resolve().parents:
        return False
    # Without a [tool.closeout] table, only folders holding a postmortem are ours: another
    # tool's `scenarios/` folder of YAML files must not turn into failing closeout items.
    return project.config_file is not None or (file_path.parent / "postmortem.yaml").is_file()


def add_python_paths(config: pytest.Config) -> None:
    """Put the project's ``python_paths`` (``[tool.closeout]``) at the front of ``sys.path``
    for this session, once; only a project that configures closeout gets them."""
    if _PATHS_KEY in config.stash:
        return
    project = project_of(config)
    if project.config_file is None:
        config.stash[_PATHS_KEY] = []
        return
    wanted = [str((project.root / p).resolve()) for p in project.python_paths]
    added = [p for p in dict.fromkeys(wanted) if Path(p).is_dir() and p not in sys.path]
    sys.path[:0] = added
    config.stash[_PATHS_KEY] = added


def drop_python_paths(config: pytest.Config) -> None:
    """Take off ``sys.path`` what ``add_python_paths`` put there."""
    for path in config.stash.get(_PATHS_KEY, []):
        if path in sys.path:
            sys.path.remove(path)
    config.stash[_PATHS_KEY] = []

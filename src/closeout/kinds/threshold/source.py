"""Where a rule file's text comes from: the working tree, or a git revision of it.

``rules_file: path`` reads the file as it is. ``rules_file: {path, rev}`` reads it as it was
at a revision of the git repository that holds it: ``git -C <folder of path> rev-parse
--show-toplevel`` finds that repository (the project's own, a submodule, or a monitoring
repository checked out inside the project), and ``git show <commit>:<path in it>`` reads
the file, so a shallow clone of the project does not matter as long as the repository that
holds the file has the revision. When the file, the repository or the revision is missing,
the message says so and, when the scenario gives ``setup``, which command creates it.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from closeout.errors import DataError
from closeout.models import suggest
from closeout.project import Project

GIT_TIMEOUT_S = 60
# A revision as git spells it (tag, branch, sha, HEAD~2, main@{1}); never an option, never
# a ``rev:path`` pair, no white space.
REVISION = re.compile(r"^[^\s:\-][^\s:]*$")


class SourceError(DataError):
    """The rule file cannot be read; the message says why and what to run."""


@dataclass(frozen=True)
class RuleText:
    """A rule file's text and where it came from."""

    path: str  # project-relative, as the scenario writes it
    text: str
    sha256: str
    rev: str | None = None
    commit: str | None = None

    @property
    def display(self) -> str:
        """``path`` for the working tree, ``path@rev`` for a revision (for ``file:line``)."""
        return f"{self.path}@{self.rev}" if self.rev else self.path

    def provenance(self) -> dict[str, str]:
        """What evidence records about the rule file: path, sha256, and rev with its commit."""
        found = {"path": self.path, "sha256": self.sha256}
        if self.rev is not None:
            found |= {"rev": self.rev, "commit": self.commit or ""}
        return found


def read_rules(project: Project, path: str, rev: str | None, setup: str | None) -> RuleText:
    """The text of ``path`` (project-relative) in the working tree, or at ``rev``."""
    hint = f"; create it with `{setup}`" if setup else ""
    try:
        resolved = project.resolve_inside(path)
    except ValueError as exc:
        raise SourceError(str(exc)) from None
    if rev is None:
        return _from_working_tree(path, resolved, hint)
    return _from_revision(project, path, resolved, rev, hint)


def _from_working_tree(path: str, resolved: Path, hint: str) -> RuleText:
    if not resolved.is_file():
        siblings = [p.name for p in resolved.parent.glob("*")] if resolved.parent.is_dir() else []
        close = suggest(resolved.name, siblings)
        raise SourceError(f"rule file '{path}' not found{close}{hint}")
    data = resolved.read_bytes()
    return RuleText(path, _decode(data, path), hashlib.sha256(data).hexdigest())


def _from_revision(project: Project, path: str, resolved: Path, rev: str, hint: str) -> RuleText:
    if not REVISION.match(rev):
        raise SourceError(f"'{rev}' is not a git revision")
    folder = resolved.parent
    if not folder.is_dir():
        raise SourceError(
            f"folder '{project.display(folder)}' of rule file '{path}' not found{hint}"
        )
    top_text = _git(folder, "rev-parse", "--show-toplevel")
    if top_text is None:
        raise SourceError(
            f"'{project.display(folder)}' is not inside a git repository, so revision "
            f"'{rev}' of '{path}' cannot be read{hint}"
        )
    top = Path(top_text).resolve()
    repo = project.display(top) if top != project.root else "the project's repository"
    commit = _git(top, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    if commit is None:
        raise SourceError(f"revision '{rev}' does not exist in the git repository {repo}{hint}")
    inside = resolved.relative_to(top).as_posix() if top in resolved.parents else None
    if inside is None:
        raise SourceError(f"'{path}' is not inside the git repository {repo}")
    data = _git_bytes(top, "show", f"{commit}:{inside}")
    if data is None:
        raise SourceError(
            f"'{inside}' does not exist at revision '{rev}' (commit {commit[:12]}) of {repo}"
        )
    digest = hashlib.sha256(data).hexdigest()
    return RuleText(path, _decode(data, f"{path}@{rev}"), digest, rev, commit)


def _decode(data: bytes, display: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{display} is not UTF-8 text (byte {exc.start})") from None


def _git(folder: Path, *args: str) -> str | None:
    out = _git_bytes(folder, *args)
    return out.decode("utf-8", "replace").strip() if out is not None else None


def _git_bytes(folder: Path, *args: str) -> bytes | None:
    """git's standard output, or None when git says no; git missing is a SourceError."""
    binary = shutil.which("git")
    if binary is None:
        raise SourceError("git not found on PATH: it is needed to read a rule file at a revision")
    try:
        done = subprocess.run(
            [binary, "-C", str(folder), *args],
            capture_output=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
            env={**os.environ, "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"},
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise SourceError(f"cannot run git: {exc}") from None
    return done.stdout if done.returncode == 0 else None

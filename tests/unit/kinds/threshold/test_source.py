"""``threshold.source``: a rule file from the working tree or at a git revision of the
repository that holds it; every failure says what is missing (and what creates it)."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from closeout.kinds.threshold.source import SourceError, read_rules
from closeout.project import Project

ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.org",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.org",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(folder), *args], env=ENV, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A project holding a monitoring repository with two commits; the first tagged v1."""
    repo = tmp_path / "monitoring"
    (repo / "alerts").mkdir(parents=True)
    git(repo, "init", "--quiet")
    (repo / "alerts" / "rules.yml").write_text("version: 1\n")
    git(repo, "add", ".")
    git(repo, "commit", "--quiet", "--no-gpg-sign", "-m", "one")
    git(repo, "tag", "v1")
    (repo / "alerts" / "rules.yml").write_text("version: 2\n")
    git(repo, "commit", "--quiet", "--no-gpg-sign", "-am", "two")
    (repo / "alerts" / "rules.yml").write_text("version: 3 (not committed)\n")
    return Project(root=tmp_path)


PATH = "monitoring/alerts/rules.yml"


def test_the_working_tree_file_is_read_as_it_is(project: Project) -> None:
    found = read_rules(project, PATH, None, None)
    data = (project.root / PATH).read_bytes()
    assert found.text == "version: 3 (not committed)\n"
    assert found.sha256 == hashlib.sha256(data).hexdigest()
    assert found.display == PATH and found.provenance() == {"path": PATH, "sha256": found.sha256}


@pytest.mark.parametrize(
    ("rev", "text"), [("v1", "version: 1\n"), ("HEAD", "version: 2\n"), ("HEAD~1", "version: 1\n")]
)
def test_a_revision_is_read_from_the_repository_that_holds_the_file(
    project: Project, rev: str, text: str
) -> None:
    found = read_rules(project, PATH, rev, None)
    commit = git(project.root / "monitoring", "rev-parse", f"{rev}^{{commit}}")
    assert found.text == text
    assert found.commit == commit and found.rev == rev
    assert found.sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert found.display == f"{PATH}@{rev}"
    assert found.provenance() == {
        "path": PATH,
        "sha256": found.sha256,
        "rev": rev,
        "commit": commit,
    }


@pytest.mark.parametrize(
    ("path", "rev", "message"),
    [
        (PATH, "v9", "revision 'v9' does not exist in the git repository monitoring; create it"),
        ("monitoring/alerts/other.yml", "v1", "'alerts/other.yml' does not exist at revision 'v1'"),
        ("nowhere/rules.yml", "v1", "folder 'nowhere' of rule file 'nowhere/rules.yml' not found"),
        ("monitoring/missing.yml", None, "rule file 'monitoring/missing.yml' not found; create it"),
        ("../rules.yml", None, "resolves outside the project root"),
        ("/etc/passwd", "v1", "is absolute"),
        (PATH, "-v1", "'-v1' is not a git revision"),
    ],
)
def test_what_is_missing_is_named_with_the_command_that_creates_it(
    project: Project, path: str, rev: str | None, message: str
) -> None:
    with pytest.raises(SourceError) as caught:
        read_rules(project, path, rev, "python make.py")
    assert message in str(caught.value)
    if "create it" in message:
        assert str(caught.value).endswith("; create it with `python make.py`")


def test_a_folder_outside_any_repository_says_so(project: Project) -> None:
    (project.root / "plain").mkdir()
    (project.root / "plain" / "rules.yml").write_text("groups: []\n")
    with pytest.raises(SourceError, match="'plain' is not inside a git repository"):
        read_rules(project, "plain/rules.yml", "v1", None)


def test_git_missing_is_named(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(project.root / "no-bin"))
    with pytest.raises(SourceError, match="git not found on PATH"):
        read_rules(project, PATH, "v1", None)

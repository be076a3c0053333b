"""Project root discovery, [tool.closeout] settings, path confinement."""

from __future__ import annotations

from pathlib import Path

import pytest

from closeout.errors import UsageError
from closeout.project import Project, load_project


def test_root_is_the_nearest_pyproject_with_a_closeout_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.closeout]\nreports = "out"\n')
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    (tmp_path / "a" / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    project = load_project(nested)
    assert project.root == tmp_path.resolve()
    assert project.reports_dir == tmp_path.resolve() / "out"


def test_without_a_closeout_table_the_start_folder_is_the_root(tmp_path: Path) -> None:
    assert load_project(tmp_path).root == tmp_path.resolve()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            'scenaros = "s"',
            r"pyproject.toml:2: \[tool.closeout\] scenaros: unknown setting "
            r"\(did you mean 'scenarios'\?\)",
        ),
        ('evidence_max_age = "90 days"', "pyproject.toml:2: .* evidence_max_age: bad duration"),
        ("python_paths = 'src'", "pyproject.toml:2: .* python_paths: must be a list"),
        ("require_signed = 'yes'", "pyproject.toml:2: .* require_signed: must be true or false"),
        ('scenarios = "unterminated', "pyproject.toml:2: invalid TOML"),
    ],
)
def test_bad_settings_are_usage_errors(tmp_path: Path, settings: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.closeout]\n" + settings + "\n")
    with pytest.raises(UsageError, match=message):
        load_project(tmp_path)


def test_paths_must_stay_inside_the_project(tmp_path: Path) -> None:
    project = Project(root=tmp_path.resolve())
    (tmp_path / "fixtures").mkdir()
    assert project.resolve_inside("fixtures/x.csv") == tmp_path.resolve() / "fixtures/x.csv"
    for bad in ("../x.csv", "/etc/passwd", "fixtures/../../x.csv", ""):
        with pytest.raises(ValueError):
            project.resolve_inside(bad)

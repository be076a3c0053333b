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
        ('ticket_url = "https://t.example/browse/"', "pyproject.toml:2: .* ticket_url: must be"),
        ('ticket_url = "t.example/{ticket}"', "pyproject.toml:2: .* ticket_url: must be"),
        ("ticket_url = 3", "pyproject.toml:2: .* ticket_url: must be"),
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


# --------------------------------------------------------------------------- B6: never dropped


@pytest.mark.parametrize(
    "header", ["[ tool.closeout ]", '[tool."closeout"]', "[tool.'closeout']", "[ tool . closeout ]"]
)
def test_every_spelling_of_the_table_is_read(tmp_path: Path, header: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f'{header}\nrequire_signed = true\nreports = "out"\n')
    nested = tmp_path / "sub"
    nested.mkdir()
    project = load_project(nested)
    assert project.root == tmp_path.resolve()
    assert project.require_signed and project.reports == "out"


def test_dotted_keys_are_the_table_too(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool]\ncloseout.require_signed = true\n")
    assert load_project(tmp_path).require_signed


def test_a_bad_value_in_a_spaced_table_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[x]\na = 1\n[ tool.closeout ]\nrequire_signed = 1\n")
    with pytest.raises(UsageError, match=r"pyproject.toml:4: .* require_signed: must be true"):
        load_project(tmp_path)


def test_an_unreadable_pyproject_is_an_error_not_a_project_without_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.closeout]\nrequire_signed = true\n")
    real = Path.read_bytes

    def denied(path: Path) -> bytes:
        if path.name == "pyproject.toml":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(UsageError, match=r"pyproject.toml: cannot read: Permission denied"):
        load_project(tmp_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'[tool.closeout]\nreports = "caf\xe9"\n', r"pyproject.toml:2: not UTF-8"),
        (b"[tool]\ncloseout = 5\n", r"pyproject.toml:2: \[tool\] closeout: must be a table"),
        (b"tool = 5\n# closeout\n", r"pyproject.toml: \[tool\] must be a table"),
        (
            b'[tool.closeout]\ntrusted_keys = "keys/ci.pub"\n',
            r":2: .* trusted_keys: must be a list",
        ),
        (b'[tool.closeout]\ntrusted_keys = [""]\n', r":2: .* trusted_keys: must be a list"),
    ],
)
def test_a_pyproject_closeout_cannot_use_is_a_usage_error(
    tmp_path: Path, content: bytes, message: str
) -> None:
    (tmp_path / "pyproject.toml").write_bytes(content)
    with pytest.raises(UsageError, match=message):
        load_project(tmp_path)


def test_a_pyproject_of_another_tool_that_does_not_parse_is_not_ours(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b"[project\nname = 'x'\n\xff")
    assert load_project(tmp_path).config_file is None


def test_closeout_root_pointing_nowhere_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOSEOUT_ROOT", str(tmp_path / "nowhere"))
    with pytest.raises(UsageError, match=r"CLOSEOUT_ROOT=.*nowhere.*no such folder"):
        load_project(tmp_path)


def test_trusted_keys_are_kept_as_written(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.closeout]\ntrusted_keys = ["keys/a.pub"]\n')
    project = load_project(tmp_path)
    assert project.trusted_keys == ("keys/a.pub",)
    assert project.trusted_key_paths() == [("keys/a.pub", tmp_path.resolve() / "keys/a.pub")]
    assert project.setting_where("trusted_keys").endswith("pyproject.toml:2")


def test_ticket_url_makes_a_link_with_the_ticket_escaped(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.closeout]\nticket_url = "https://t.example/browse/{ticket}?from=closeout"\n'
    )
    project = load_project(tmp_path)
    assert project.ticket_link("ML-123") == "https://t.example/browse/ML-123?from=closeout"
    assert project.ticket_link("a b/c") == "https://t.example/browse/a%20b%2Fc?from=closeout"
    assert project.ticket_link(None) is None
    assert Project(root=tmp_path).ticket_link("ML-123") is None

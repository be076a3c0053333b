"""Finding user callables statically (lint) and importing them (run)."""

from __future__ import annotations

import statistics
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from closeout.callables import call_subject, check_ref, load_callable, parse_ref, shadows_stdlib
from closeout.errors import DataError, SubjectError
from closeout.project import Project


@pytest.fixture(autouse=True)
def _forget_imported_project_modules(tmp_path: Path) -> Iterator[None]:
    """Each test's project is a new folder: its modules must not outlive the test."""
    yield
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", None) or "").startswith(str(tmp_path)):
            del sys.modules[name]


@pytest.fixture
def project(tmp_path: Path) -> Project:
    package = tmp_path / "src" / "pipeline"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "features.py").write_text(
        "import math\n\ndef normalize_income(df):\n    return df\n\n"
        "def explode(df):\n    raise ValueError('income in cents')\n\nTHRESHOLD = 3\n"
    )
    (package / "broken.py").write_text("raise RuntimeError('import-time failure')\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "props.py").write_text("def in_euros(a, b):\n    return True\n")
    return Project(root=tmp_path.resolve(), python_paths=("src", "."))


@pytest.mark.parametrize(
    ("text", "module", "path"),
    [("pipeline.features:f", "pipeline.features", None), ("tests/p.py:check", None, "tests/p.py")],
)
def test_references_parse_as_module_or_file(
    text: str, module: str | None, path: str | None
) -> None:
    ref = parse_ref(text)
    assert (ref.module, ref.path) == (module, path)


@pytest.mark.parametrize("text", ["pipeline.features", "pipeline.features:", "a b:c", ":f"])
def test_malformed_references_are_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="not a callable reference"):
        parse_ref(text)


def test_lint_finds_defined_names_without_importing(project: Project) -> None:
    assert check_ref("pipeline.features:normalize_income", project) is None
    assert check_ref("pipeline.features:THRESHOLD", project) is None
    assert check_ref("pipeline.broken:anything", project) is not None  # read, never run
    assert check_ref("tests/props.py:in_euros", project) is None


def test_lint_suggests_close_names(project: Project) -> None:
    message = check_ref("pipeline.features:normalise_income", project) or ""
    assert "did you mean 'normalize_income'" in message
    message = check_ref("pipeline.featurs:normalize_income", project) or ""
    assert "not found on python_paths" in message and "did you mean 'features'" in message


def test_load_imports_the_callable(project: Project) -> None:
    function = load_callable("pipeline.features:normalize_income", project)
    assert function(41) == 41
    assert load_callable("tests/props.py:in_euros", project)(1, 2) is True


def test_missing_attribute_is_a_data_error_with_suggestion(project: Project) -> None:
    with pytest.raises(DataError, match="did you mean 'normalize_income'"):
        load_callable("pipeline.features:normalize_incme", project)


def test_code_that_cannot_be_imported_is_an_error_not_a_fail(project: Project) -> None:
    with pytest.raises(DataError, match="import-time failure") as caught:
        load_callable("pipeline.broken:anything", project)
    assert "broken.py" in str(caught.value)


def test_exception_in_user_code_keeps_only_user_frames(project: Project) -> None:
    function = load_callable("pipeline.features:explode", project)
    with pytest.raises(SubjectError, match="ValueError: income in cents") as caught:
        call_subject(function, None)
    text = caught.value.traceback_text
    assert "features.py" in text and "callables.py" not in text


def test_sys_exit_in_user_code_is_a_subject_error_with_its_traceback(project: Project) -> None:
    def leave(df: object) -> None:
        sys.exit(3)

    with pytest.raises(SubjectError, match="raised SystemExit: 3") as caught:
        call_subject(leave, None)
    assert "sys.exit(3)" in caught.value.traceback_text


def test_pytest_fail_in_user_code_is_a_subject_error(project: Project) -> None:
    def give_up(df: object) -> None:
        pytest.fail("not implemented")

    with pytest.raises(SubjectError, match="not implemented"):
        call_subject(give_up, None)


def test_ctrl_c_in_user_code_goes_through(project: Project) -> None:
    def interrupted(df: object) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        call_subject(interrupted, None)


def test_a_module_calling_sys_exit_at_import_is_an_error(project: Project) -> None:
    (project.root / "src" / "pipeline" / "leaves.py").write_text("import sys\nsys.exit(2)\n")
    with pytest.raises(DataError, match=r"importing src/pipeline/leaves.py raised SystemExit\(2\)"):
        load_callable("pipeline.leaves:anything", project)


def test_a_project_module_shadowed_by_the_standard_library_is_refused(project: Project) -> None:
    (project.root / "src" / "statistics.py").write_text("def mean(df):\n    return 'project'\n")
    assert statistics.__file__  # the standard library's module is loaded, as it usually is
    with pytest.raises(DataError) as caught:
        load_callable("statistics:mean", project)
    assert str(caught.value) == (
        f"statistics:mean: Python imported 'statistics' from {statistics.__file__} "
        "(the standard library), not src/statistics.py: rename src/statistics.py so that "
        "its name is not taken"
    )


def test_a_module_already_imported_from_another_folder_is_refused(
    project: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    other = tmp_path_factory.mktemp("other") / "pipeline"
    other.mkdir()
    (other / "__init__.py").write_text("")
    (other / "features.py").write_text("def normalize_income(df):\n    return 'stale copy'\n")
    sys.path.insert(0, str(other.parent))
    try:
        __import__("pipeline.features")
    finally:
        sys.path.remove(str(other.parent))
        with_stale = dict(sys.modules)
    try:
        with pytest.raises(DataError, match=r"from .*other.*/pipeline/features.py \(elsewhere\)"):
            load_callable("pipeline.features:normalize_income", project)
    finally:
        for name in ("pipeline", "pipeline.features"):
            if name in with_stale:
                sys.modules.pop(name, None)


@pytest.mark.parametrize(
    ("text", "shadows"),
    [
        ("statistics:mean", True),
        ("json.decoder:x", True),
        ("pipeline.json:x", False),
        ("a.py:f", False),
    ],
)
def test_shadowing_is_judged_on_the_top_level_name(text: str, shadows: bool) -> None:
    assert shadows_stdlib(parse_ref(text)) is shadows


def test_a_file_reference_to_a_folder_says_it_is_a_folder(project: Project) -> None:
    (project.root / "tests" / "checks.py").mkdir()
    assert check_ref("tests/checks.py:income_ok", project) == (
        "tests/checks.py:income_ok: file 'tests/checks.py' is a directory, not a Python file"
    )

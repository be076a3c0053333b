"""Finding user callables statically (lint) and importing them (run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from closeout.callables import call_subject, check_ref, load_callable, parse_ref
from closeout.errors import DataError, SubjectError
from closeout.project import Project


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

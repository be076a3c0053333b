"""The bad-input corpus: every malformed file a tired user writes is exit 2 with ``file:line``.

Each folder of ``tests/corpus/`` is a tiny closeout project holding exactly one mistake.
``tests/corpus/manifest.toml`` names, per case, the broken file, the line the mistake is on
(worked out by reading the file, not by running closeout) and a pattern the message must
match. For every case:

- ``closeout lint`` (the whole project, and the broken file alone) exits 2, prints
  ``<relative path>:<line>: <message>`` and no traceback;
- under pytest the broken scenario (or, for a postmortem mistake, every scenario of that
  incident) is one item that ERRORs naming ``path:line``, the session is not interrupted,
  and the valid scenario of the same project still passes.

Cases whose mistake only shows when something runs say so with ``check``: ``run`` cases
(a subject that exits, hangs or is shadowed) must end ``closeout run`` with their exit code,
leave an evidence record with their verdict and message, and let the valid scenario pass;
``report`` cases (a bad incident folder) must not stop ``closeout report`` from rendering
the valid incident.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

# pytester's in-process runs forget the modules imported during a run, but numpy (which a
# scenario run loads) and PyYAML's C extension cannot be imported a second time in one
# process: load them once, for the whole session, here.
import numpy  # noqa: F401
import pytest
import yaml  # noqa: F401

from closeout.cli import main

pytest_plugins = ["pytester"]

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
PM = "scenarios/INC-1/postmortem.yaml"
SC = "scenarios/INC-1/a1-drift-alert.yaml"
CFG = "pyproject.toml"
# Valid files: they must never be blamed, and the *good* ones must pass under pytest.
GOOD_FILES = ("scenarios/INC-1/a1-good.yaml", "scenarios/INC-2/")
# The scenario that errors when its incident's postmortem is broken.
PM_VICTIM = "scenarios/INC-1/a1-income-drift.yaml"


@dataclass(frozen=True)
class Case:
    """One entry of ``tests/corpus/manifest.toml``."""

    name: str
    file: str  # the broken file, relative to the case project
    lines: tuple[int, ...]  # the line(s) the mistake is on; usually exactly one
    message: str  # regex (case-insensitive) the problem's message must match
    why: str
    check: str = "lint"  # lint | run | report: how the mistake shows
    exit: int = 2  # the exit code of the command that checks it
    verdict: str = ""  # run cases: the verdict of the broken scenario's record
    pytest_errors: int = 1  # items that error under pytest

    def __str__(self) -> str:
        return self.name


def _load_manifest() -> list[Case]:
    with (CORPUS / "manifest.toml").open("rb") as handle:
        entries = tomllib.load(handle)
    cases = []
    for name, entry in entries.items():
        lines = entry["lines"] if "lines" in entry else [entry["line"]] if "line" in entry else []
        extra = {k: entry[k] for k in ("check", "exit", "verdict", "pytest_errors") if k in entry}
        cases.append(
            Case(name, entry["file"], tuple(lines), entry["message"], entry["why"], **extra)
        )
    return cases


CASES = _load_manifest()

SUBPROCESS_CASES = ("sc-alias-bomb", "pm-unknown-key-typo")
LINT_CASES = [c for c in CASES if c.check == "lint"]
SCENARIO_CASES = [c for c in LINT_CASES if c.file != CFG]
CONFIG_CASES = [c for c in LINT_CASES if c.file == CFG]
RUN_CASES = [c for c in CASES if c.check == "run"]
REPORT_CASES = [c for c in CASES if c.check == "report"]
_CLOSEOUT_FRAME = re.compile(r"closeout[/\\][\w/\\]+\.py:\d+")


def _case_dir(case: Case) -> Path:
    return CORPUS / case.name


def _copy_project(case: Case, target: Path) -> Path:
    shutil.copytree(_case_dir(case), target, symlinks=True, dirs_exist_ok=True)
    return target


def _located(text: str, case: Case) -> list[tuple[int, str]]:
    """Every ``<case.file>:<line>: <rest>`` in ``text`` as (line, rest)."""
    pattern = re.compile(rf"(?<![\w/.-]){re.escape(case.file)}:(\d+): (.*)")
    return [(int(m[1]), m[2]) for m in pattern.finditer(text)]


def _assert_names_the_mistake(text: str, case: Case, root: Path) -> None:
    # An absolute path inside the project is as good as the relative one.
    text = text.replace(f"{root.resolve()}/", "").replace(f"{root}/", "")
    located = _located(text, case)
    at_line = [rest for line, rest in located if line in case.lines]
    expected = " or ".join(f"{case.file}:{n}" for n in case.lines[:3])
    expected += " ..." if len(case.lines) > 3 else ""
    assert at_line, (
        f"{case.name} ({case.why}): expected a problem at {expected}; "
        f"found {[f'{case.file}:{n}' for n, _ in located] or 'none for that file'}\n{text}"
    )
    assert any(re.search(case.message, rest, re.IGNORECASE) for rest in at_line), (
        f"{case.name} ({case.why}): no message at {expected} matches /{case.message}/\n{text}"
    )


def _assert_no_traceback(text: str) -> None:
    assert "Traceback" not in text, text
    assert "INTERNALERROR" not in text, text
    assert not _CLOSEOUT_FRAME.search(text), text


def test_corpus_matches_the_manifest() -> None:
    on_disk = sorted(
        p.name for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
    )
    assert on_disk == sorted(c.name for c in CASES)
    assert len(CASES) >= 30
    assert {c.check for c in CASES} == {"lint", "run", "report"}
    for case in CASES:
        home = _case_dir(case)
        assert (home / case.file).exists(), case.name  # a file, or the folder at fault
        assert (home / CFG).is_file(), case.name
        if case.file == PM:
            assert (home / PM_VICTIM).is_file(), case.name
            assert (home / "scenarios/INC-2/a1-good.yaml").is_file(), case.name
        else:
            assert (home / PM).is_file(), case.name
            assert (home / "scenarios/INC-1/a1-good.yaml").is_file(), case.name
        if case.file != CFG:
            assert "[tool.closeout]" in (home / CFG).read_text(encoding="utf-8")


# --------------------------------------------------------------------------- closeout lint


@pytest.mark.parametrize("target", ["project", "file"])
@pytest.mark.parametrize("case", LINT_CASES, ids=str)
def test_lint_exits_2_naming_file_and_line(
    case: Case,
    target: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = _copy_project(case, tmp_path / case.name)
    monkeypatch.chdir(project)
    monkeypatch.delenv("CLOSEOUT_ROOT", raising=False)
    lint_target = case.file if case.file != CFG else "scenarios/INC-1/a1-good.yaml"
    code = main(["lint"] if target == "project" else ["lint", lint_target])
    out, err = capsys.readouterr()
    text = out + err
    _assert_no_traceback(text)
    assert code == 2, f"exit {code}, expected 2\n{text}"
    _assert_names_the_mistake(text, case, project)
    blamed = [
        line
        for line in text.splitlines()
        if any(good in line for good in GOOD_FILES) and "warning" not in line
    ]
    assert not blamed, f"a valid file was reported:\n{text}"


# --------------------------------------------------------------------------- under pytest


def _check_pytest_run(result: pytest.RunResult, case: Case, root: Path) -> None:
    text = "\n".join(result.outlines + result.errlines)
    _assert_no_traceback(text)
    assert "Interrupted" not in text, text
    assert "error during collection" not in text.lower(), text
    result.assert_outcomes(passed=1, errors=case.pytest_errors)
    assert result.ret == pytest.ExitCode.TESTS_FAILED, text
    victim = PM_VICTIM if case.file == PM else case.file
    stem = Path(victim).stem
    assert any(line.startswith(f"ERROR {victim}::{stem}") for line in result.outlines), text
    _assert_names_the_mistake(text, case, root)
    good = "scenarios/INC-2/a1-good.yaml" if case.file == PM else "scenarios/INC-1/a1-good.yaml"
    assert not any(
        line.startswith(("ERROR", "FAILED")) and good in line for line in result.outlines
    ), text


@pytest.mark.parametrize("case", SCENARIO_CASES, ids=str)
def test_pytest_item_errors_and_sibling_passes(case: Case, pytester: pytest.Pytester) -> None:
    _copy_project(case, pytester.path)
    result = pytester.runpytest_inprocess(
        "scenarios", "-p", "no:cacheprovider", "--closeout-no-evidence", "-rfE"
    )
    _check_pytest_run(result, case, pytester.path)


@pytest.mark.parametrize("case", [c for c in LINT_CASES if c.name in SUBPROCESS_CASES], ids=str)
def test_pytest_subprocess_with_evidence(case: Case, pytester: pytest.Pytester) -> None:
    _copy_project(case, pytester.path)
    result = pytester.runpytest_subprocess("scenarios", "-p", "no:cacheprovider", "-rfE")
    _check_pytest_run(result, case, pytester.path)
    # The valid sibling ran for real and left its evidence record.
    assert list(pytester.path.glob("reports/*/evidence/*.json")), result.outlines


@pytest.mark.parametrize("case", CONFIG_CASES, ids=str)
def test_pytest_config_error_is_a_usage_error(case: Case, pytester: pytest.Pytester) -> None:
    """A broken [tool.closeout] concerns every scenario: one usage error, no traceback."""
    _copy_project(case, pytester.path)
    result = pytester.runpytest_inprocess(
        "scenarios", "-p", "no:cacheprovider", "--closeout-no-evidence", "-rfE"
    )
    text = "\n".join(result.outlines + result.errlines)
    _assert_no_traceback(text)
    assert "error during collection" not in text.lower(), text
    assert result.ret == pytest.ExitCode.USAGE_ERROR, text
    # pytest prints usage errors its own way ("ERROR: <message>"), so only ask that the
    # message names the file and the line, in either "file:7" or "file ... line 7" form.
    (line,) = case.lines
    assert re.search(rf"pyproject\.toml(:{line}\b|.*\bline {line}\b)", text), text


# --------------------------------------------------------------------------- when it runs


def _records(project: Path) -> dict[str, dict[str, object]]:
    found = {}
    for path in sorted(project.glob("reports/INC-1/evidence/*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        found[str(record["scenario"])] = record
    return found


def _at_line(text: str, case: Case) -> bool:
    """``file:line`` as closeout prints it, or ``file", line N`` as a traceback does."""
    return any(
        f"{case.file}:{line}:" in text or f'{case.file}", line {line}' in text
        for line in case.lines
    )


def _closeout(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real command in its own process: what a run imports stays out of this one."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLOSEOUT_", "PYTEST_"))}
    env.pop("CI", None)
    command = [sys.executable, "-m", "closeout", *args]
    return subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)


@pytest.mark.parametrize("case", RUN_CASES, ids=str)
def test_run_records_the_mistake_and_exits_with_its_code(case: Case, tmp_path: Path) -> None:
    project = _copy_project(case, tmp_path / case.name)
    lint = _closeout(project, "lint")
    done = _closeout(project, "run")
    code, out, err = done.returncode, lint.stdout + done.stdout, lint.stderr + done.stderr
    assert code == case.exit, f"{case.name} ({case.why}): exit {code}\n{out}{err}"
    assert "INTERNALERROR" not in out + err and "/_pytest/" not in out + err
    assert not _CLOSEOUT_FRAME.search(out + err), out + err
    records = _records(project)
    broken = records[Path(SC).stem]
    assert broken["verdict"] == case.verdict, broken
    text = f"{out}{err}{broken['error']}\n{broken['traceback']}"
    assert re.search(case.message, text, re.IGNORECASE), f"{case.name}: /{case.message}/\n{text}"
    assert not case.lines or _at_line(text, case), f"{case.name}: {case.file}:{case.lines}\n{text}"
    assert records["a1-good"]["verdict"] == "pass"


@pytest.mark.parametrize("case", REPORT_CASES, ids=str)
def test_report_names_the_bad_folder_and_renders_the_rest(
    case: Case,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = _copy_project(case, tmp_path / case.name)
    monkeypatch.chdir(project)
    monkeypatch.delenv("CLOSEOUT_ROOT", raising=False)
    code = main(["report"])
    out, err = capsys.readouterr()
    _assert_no_traceback(out + err)
    assert code == case.exit, f"{case.name} ({case.why}): exit {code}\n{out}{err}"
    named = [line for line in err.splitlines() if line.startswith(f"closeout: {case.file}")]
    assert any(re.search(case.message, line) for line in named), err
    assert (project / "reports/INC-1/index.html").is_file(), out
    assert "INC-1" in (project / "reports/index.html").read_text(encoding="utf-8")

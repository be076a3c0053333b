"""``--format github``: workflow annotations on the file and line, and the job summary appended
to ``$GITHUB_STEP_SUMMARY`` (SPEC §16), escaped as GitHub's toolkit escapes them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.conftest import POSTMORTEM, SCENARIO, Write

from closeout.cli import main
from closeout.cli.github import RENDERERS, annotation, escape_data, escape_property
from closeout.cli.output import GITHUB_COMMANDS

# The first expectation that fails: HighErrorRate first fires at 1h15m, not 1h10m.
FAILING = SCENARIO.replace("first_fires_at: 1h15m", "first_fires_at: 1h10m")


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_messages_and_properties_are_escaped_as_the_toolkit_does() -> None:
    # @actions/core command.ts: escapeData: % \r \n; escapeProperty: also : and ,
    assert escape_data("50% of a,b: x\r\ny") == "50%25 of a,b: x%0D%0Ay"
    assert escape_property("50% of a,b: x\r\ny") == "50%25 of a%2Cb%3A x%0D%0Ay"
    assert (
        annotation("error", "a\nb", file="s/x,y.yaml", line=3, title="t: 1")
        == "::error file=s/x%2Cy.yaml,line=3,title=t%3A 1::a%0Ab"
    )
    assert annotation("warning", "plain") == "::warning::plain"


def test_a_failing_scenario_is_an_error_on_its_failing_expectation_line(
    project_dir: Path,
    write: Write,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write("scenarios/INC-1/a1.yaml", FAILING)
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))

    assert main(["run", "INC-1", "--format", "github"]) == 1

    out = capsys.readouterr().out
    [error] = [line for line in out.splitlines() if line.startswith("::error")]
    line = line_of(FAILING, "first_fires_at")
    assert error.startswith(f"::error file=scenarios/INC-1/a1.yaml,line={line},title=")
    message = error.split("::", 2)[2]
    assert "HighErrorRate first fires at" in message
    assert "observed 1h15m" in message and "target 1h10m" in message
    text = summary.read_text()
    assert text.startswith("# earlier step\n")  # appended, never overwritten
    assert "### closeout run" in text and "0 passed, 1 failed" in text
    assert re.search(r"^\| INC-1 \| A1 \| `a1` \| ❌ fail \|", text, re.M), text


def test_lint_problems_are_annotations_and_counts_go_to_the_summary(
    project_dir: Path,
    write: Write,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = SCENARIO.replace("interval: 5m", "intervall: 5m")
    write("scenarios/INC-1/a1.yaml", text)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))

    assert main(["lint", "--format", "github"]) == 2

    out = capsys.readouterr().out
    line = line_of(text, "intervall")
    assert (
        f"::error file=scenarios/INC-1/a1.yaml,line={line},title=closeout lint%3A error::"
        "intervall: unknown key 'intervall'" in out
    )
    assert "### closeout lint" in summary.read_text()
    assert re.search(r"\d+ file\(s\): [1-9]\d* error\(s\)", summary.read_text())


def test_lint_notes_are_notices_and_warnings_warnings_only_errors_are_errors(
    project_dir: Path,
    write: Write,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # An engine named in the scenario: two info notes (one per state); a root cause no action
    # addresses: one warning. Neither fails lint, so neither may be an ::error.
    cause = "  - {id: RC1, category: technical, description: alert threshold too high}\n"
    write(
        "scenarios/INC-1/postmortem.yaml",
        POSTMORTEM.replace(cause, cause + cause.replace("RC1", "RC2")),
    )
    write(
        "scenarios/INC-1/a1.yaml",
        SCENARIO.replace("interval: 5m", "interval: 5m\nengine: closeout"),
    )
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))

    assert main(["lint", "--format", "github"]) == 0

    commands = [line for line in capsys.readouterr().out.splitlines() if line.startswith("::")]
    assert sorted(c.split(" ", 1)[0] for c in commands) == ["::notice", "::notice", "::warning"]
    assert all(",title=closeout lint%3A info::" in c for c in commands if c.startswith("::notice"))
    assert "root cause RC2" in next(c for c in commands if c.startswith("::warning"))
    assert "2 file(s): 0 error(s), 1 warning(s), 2 note(s)" in summary.read_text()


def test_the_lint_summary_counts_by_severity_and_escapes_table_cells() -> None:
    problems = [
        {"path": "s/a.yaml", "line": 2, "field": "x", "severity": "error", "message": "a | b"},
        {"path": "s/a.yaml", "line": 3, "severity": "info", "message": "two\nlines"},
        {"path": "s/b.yaml", "line": 1, "message": "no severity: an error"},
    ]
    text, commands, summary = RENDERERS["lint"]("lint", {"files": 2, "problems": problems})
    assert [c.split(" ", 1)[0] for c in commands] == ["::error", "::notice", "::error"]
    assert text[0] == "s/a.yaml:2: error: x: a | b"
    markdown = "\n".join(summary)
    assert "2 file(s): 2 error(s), 0 warning(s), 1 note(s)" in markdown
    assert "| s/a.yaml | 2 | error | a \\| b |" in markdown.splitlines()
    assert "| s/a.yaml | 3 | info | two lines |" in markdown.splitlines()
    assert "| s/b.yaml | 1 | - | no severity: an error |" in markdown.splitlines()


def test_without_the_summary_variable_nothing_is_written(
    project_dir: Path,
    write: Write,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    assert main(["run", "INC-1", "--format", "github", "--no-evidence"]) == 0
    out = capsys.readouterr().out
    assert "::error" not in out and "INC-1" in out
    assert not list(project_dir.glob("*.md"))


def test_a_usage_error_is_one_error_annotation(
    project_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert main(["gate", "--format", "github", "--shard", "9/4"]) == 2
    out = capsys.readouterr().out
    # A message escapes %, CR and LF only; the title, a property, also ':' and ','.
    assert out.splitlines() == [
        "::error title=closeout gate::--shard 9/4: K must be between 1 and N (N at least 1)"
    ]
    assert "error (exit 2)" in summary.read_text()


def test_commands_without_annotations_print_their_text(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    assert main(["status", "--format", "github"]) == 0
    github = capsys.readouterr().out
    assert main(["status"]) == 0
    assert github == capsys.readouterr().out and "INC-1" in github


def test_the_dispatcher_and_the_renderers_name_the_same_commands() -> None:
    assert set(RENDERERS) == set(GITHUB_COMMANDS)


def test_an_invalid_scenario_file_is_an_error_on_its_line(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    text = SCENARIO.replace("interval: 5m", "interval: five minutes")
    write("scenarios/INC-1/b1.yaml", text)
    assert main(["run", "--format", "github", "--no-evidence"]) == 2
    errors = [line for line in capsys.readouterr().out.splitlines() if line.startswith("::error")]
    line = line_of(text, "interval:")
    assert [e.split("::")[1] for e in errors] == [
        f"error file=scenarios/INC-1/b1.yaml,line={line},title=closeout run%3A invalid scenario"
    ]
    assert "interval" in errors[0].split("::", 2)[2]

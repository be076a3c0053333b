"""The one table renderer: plain text through a pipe, colour on a terminal, NO_COLOR obeyed.

The terminal is a real pseudo-terminal (``os.openpty``); expected layouts are written out by
hand, and colours are checked as the SGR codes ECMA-48 gives them (32 green, 31 red).
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import pytest

from closeout import _terminal
from closeout.models import Outcome
from closeout.report_text import outcomes_table, table

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
BOX_DRAWING = re.compile("[\u2500-\u257f]")

HEADERS = ["incident", "scenario", "verdict", "before"]
ROWS = [
    ["INC-1", "in range [0, 100]", "pass", "fail"],
    ["INC-22", "[bold]x[/bold]", "fail: vacuous, before passes too", "pass"],
]


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No colour setting leaks in from the shell or CI running the tests."""
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")


@pytest.fixture
def terminal() -> Iterator[TextIO]:
    """A real terminal (the slave side of a pseudo-terminal) to render for."""
    master, slave = os.openpty()
    stream = os.fdopen(slave, "w")
    try:
        yield stream
    finally:
        stream.close()
        os.close(master)


def test_through_a_pipe_the_table_is_the_plain_layout() -> None:
    text = _terminal.table(HEADERS, ROWS, io.StringIO())
    assert text == (
        "incident  scenario           verdict                           before\n"
        "--------  -----------------  --------------------------------  ------\n"
        "INC-1     in range [0, 100]  pass                              fail\n"
        "INC-22    [bold]x[/bold]     fail: vacuous, before passes too  pass"
    )


def test_a_table_without_rows_is_its_header_and_rule() -> None:
    assert _terminal.table(["a", "long"], [], io.StringIO()) == "a  long\n-  ----"


def test_report_text_table_renders_values_as_before() -> None:
    # report_text formats None, booleans and seconds; captured stdout is not a terminal
    text = table(["x", "ok", "took"], [[None, True, 1.5], ["y", False, 0.25]])
    assert text == "x  ok   took\n-  ---  -----\n-  yes  1.50s\ny  no   0.25s"


def test_on_a_terminal_verdicts_are_coloured_and_text_is_kept(terminal: TextIO) -> None:
    text = _terminal.table(HEADERS, ROWS, terminal)
    assert "\x1b[32mpass" in text  # green
    assert "\x1b[31mfail: vacuous, before passes too" in text  # red, by its first word
    plain = ANSI.sub("", text)
    assert "[bold]x[/bold]" in plain and "in range [0, 100]" in plain  # never rich markup
    assert BOX_DRAWING.search(plain)  # the header rule of a terminal table


def test_no_color_means_no_escape_sequence_at_all(
    terminal: TextIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    text = _terminal.table(HEADERS, ROWS, terminal)
    assert not ANSI.search(text)
    assert "fail: vacuous, before passes too" in text


def test_an_empty_no_color_does_not_switch_colour_off(
    terminal: TextIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "")
    assert "\x1b[32mpass" in _terminal.table(HEADERS, ROWS, terminal)


def test_force_color_colours_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[32mpass" in _terminal.table(HEADERS, ROWS, io.StringIO())


def test_a_table_too_wide_for_the_terminal_wraps_and_loses_nothing(
    terminal: TextIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    wide = [["INC-1", "x" * 60, "pass", "fail"]]
    text = ANSI.sub("", _terminal.table(HEADERS, wide, terminal))
    assert all(len(line) <= 40 for line in text.splitlines())
    assert text.count("x") == 60  # folded over lines, not cut with an ellipsis
    assert "\u2026" not in text


@pytest.mark.parametrize(
    ("cell", "style"),
    [
        ("pass", "green"),
        ("FAIL", "red"),
        ("error: could not run", "magenta"),
        ("regressed", "bold red"),
        ("stale", "yellow"),
        ("INCONCLUSIVE", "yellow"),
        ("pass-through", None),
        ("error_budget", None),
        ("", None),
    ],
)
def test_the_style_follows_the_first_word(cell: str, style: str | None) -> None:
    assert _terminal.style_of(cell) == style


def test_rich_is_imported_only_when_a_table_is_rendered() -> None:
    code = (
        "import sys, closeout._terminal, closeout.report_text;"
        "before = 'rich' in sys.modules;"
        "closeout._terminal.table(['a'], [['b']]);"
        "print(before, 'rich' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True"]


@pytest.mark.parametrize("argv", [["--help"], ["schema"], ["lint"]])
def test_help_schema_and_lint_never_import_rich(project_dir: Path, argv: list[str]) -> None:
    code = (
        "import sys\nfrom closeout.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        "print('rich' in sys.modules, file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=project_dir, capture_output=True, text=True, check=True
    )
    assert done.stderr.split()[-1] == "False", done.stderr


def test_a_failure_report_table_is_plain_even_under_force_color(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Failure reports end up in JUnit XML: never escape codes, whatever the environment."""
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    failed = Outcome(name="fires", outcome="fail", observed="never", target="within 1h")
    text = outcomes_table([failed])
    assert "\x1b" not in text and "FAIL  fires" in text

"""What commands print: JSON for --json, messages on standard error."""

from __future__ import annotations

from datetime import date

import pytest

from closeout.cli.output import EXIT_BUG, EXIT_NO, EXIT_OK, EXIT_USAGE, emit, note, warn_all


def test_exit_codes_are_the_documented_ones() -> None:
    assert (EXIT_OK, EXIT_NO, EXIT_USAGE, EXIT_BUG) == (0, 1, 2, 3)


def test_emit_writes_indented_json_keeping_non_ascii_and_stringifying_the_rest(
    capsys: pytest.CaptureFixture[str],
) -> None:
    emit({"who": "Zoë", "due": date(2026, 1, 2)})
    assert capsys.readouterr().out == '{\n  "who": "Zoë",\n  "due": "2026-01-02"\n}\n'


def test_warnings_and_tallies_go_to_standard_error(capsys: pytest.CaptureFixture[str]) -> None:
    warn_all(["a.yaml: not readable", "b.yaml: not readable"])
    note("2 file(s)")
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "closeout: a.yaml: not readable\ncloseout: b.yaml: not readable\n2 file(s)\n"

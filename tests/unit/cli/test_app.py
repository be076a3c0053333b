"""The dispatcher's one boundary: which exception becomes which exit code and message."""

from __future__ import annotations

import argparse

import pytest

from closeout.cli import app
from closeout.errors import UsageError


def dispatch_to(
    monkeypatch: pytest.MonkeyPatch, behaviour: BaseException | int
) -> list[argparse.Namespace]:
    """Make every command's handler ``behaviour``: raise it, or return it as the exit code."""
    calls: list[argparse.Namespace] = []

    def handler(args: argparse.Namespace) -> int:
        calls.append(args)
        if isinstance(behaviour, BaseException):
            raise behaviour
        return behaviour

    monkeypatch.setattr(app, "load", lambda reference: handler)
    return calls


def test_main_calls_the_chosen_handler_with_the_parsed_arguments(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = dispatch_to(monkeypatch, 1)
    assert app.main(["verify", "INC-1", "--json"]) == 1
    [args] = calls
    assert (args.command, args.incidents, args.json) == ("verify", ["INC-1"], True)


def test_a_closeout_error_is_a_one_line_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    dispatch_to(monkeypatch, UsageError("scenarios/INC-9: no such incident"))
    assert app.main(["status"]) == 2
    assert capsys.readouterr().err == "closeout: scenarios/INC-9: no such incident\n"


def test_any_other_exception_is_a_bug_with_its_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    dispatch_to(monkeypatch, ZeroDivisionError("division by zero"))
    assert app.main(["metrics"]) == 3
    err = capsys.readouterr().err
    assert "Traceback" in err and "ZeroDivisionError: division by zero" in err
    assert err.endswith("closeout: internal error (a bug in closeout, please report it)\n")


def test_ctrl_c_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    dispatch_to(monkeypatch, KeyboardInterrupt())
    assert app.main(["recur"]) == 130


def test_bad_usage_exits_2_from_argparse(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        app.main(["close", "INC-1"])
    assert exited.value.code == 2
    assert "the following arguments are required: ACTION, --by" in capsys.readouterr().err

# PYTHON_ARGCOMPLETE_OK
"""Parse, dispatch, and the one boundary where an exception becomes an exit code.

Only argparse and the command table are imported at start-up; the chosen command's handler
module is imported by ``references.load``, so ``closeout --help`` stays fast and never loads
pydantic, pandas or evidently.

``--format text|json|github`` is added here to every command that declares ``--json`` (SPEC
§16) and normalised so handlers keep reading ``args.json``. Under json, standard output
carries exactly one JSON document whatever happens: the handler's output is held back until
it returns, and an error becomes ``{"error": ..., "exit": N}`` in its place. Under github,
``closeout.cli.github`` turns the handler's JSON document into workflow annotations.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from closeout import __version__
from closeout.cli.commands import COMMANDS, Command
from closeout.cli.output import (
    EXIT_BUG,
    EXIT_OK,
    EXIT_USAGE,
    FORMATS,
    GITHUB_COMMANDS,
    Handler,
    emit,
    emit_error,
    warn,
)
from closeout.cli.references import load
from closeout.errors import CloseoutError, UsageError

INTERRUPTED = 130
"""The shell's code for a command stopped by Ctrl-C."""
ROOT_ENV = "CLOSEOUT_ROOT"
PYTEST_PASS_THROUGH = ("run", "gate", "recur")
"""The commands whose arguments after ``--`` go to pytest unchanged."""
_COMPLETION_ENV = "_ARGCOMPLETE"
GITHUB_RENDERER = "closeout.cli.github:render_github"
"""Turns a command's JSON document into annotations; loaded only under --format github."""


def _parser_class(json_errors: bool) -> type[argparse.ArgumentParser]:
    """An ArgumentParser that, under ``--json``, also prints a usage error as one JSON
    document on standard output (argparse itself prints only to standard error)."""

    class Parser(argparse.ArgumentParser):
        def error(self, message: str) -> NoReturn:
            if json_errors:
                emit({"error": f"{self.prog}: error: {message}", "exit": EXIT_USAGE})
            super().error(message)

    return Parser


def build_parser(
    commands: Sequence[Command] = COMMANDS, *, json_errors: bool = False
) -> argparse.ArgumentParser:
    """The ``closeout`` argument parser, one subcommand per declared command."""
    parser = _parser_class(json_errors)(
        prog="closeout",
        description="Close ML-incident postmortem action items on evidence.",
        epilog="exit codes: 0 ok, 1 the answer is no, 2 bad input or usage",
    )
    parser.add_argument("--version", action="version", version=f"closeout {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in commands:
        sub = subparsers.add_parser(command.name, help=command.help, **_help_texts(command))
        for argument in command.arguments:
            sub.add_argument(*argument.flags, **argument.options)
        if any("--json" in argument.flags for argument in command.arguments):
            sub.add_argument(
                "--format",
                # Not `format`: a command may have an argument of that name (`export`).
                dest="output_format",
                choices=FORMATS,
                default=None,
                help="text (default), json (= --json: one JSON document) or github "
                "(workflow annotations, and a summary in $GITHUB_STEP_SUMMARY)",
            )
        if command.name in PYTEST_PASS_THROUGH:
            passing = "arguments after `--` go to pytest unchanged (e.g. -- -k drift -x)"
            sub.epilog = f"{sub.epilog}\n\n{passing}" if sub.epilog else passing
        sub.set_defaults(handler=command.handler)
    return parser


def _help_texts(command: Command) -> dict[str, Any]:
    """The subcommand page's description and examples, when the table declares them."""
    texts: dict[str, Any] = {"description": getattr(command, "description", "") or command.help}
    examples = next(
        (getattr(command, n) for n in ("epilog", "example", "examples") if getattr(command, n, "")),
        "",
    )
    if examples:
        text = "\n".join(examples) if isinstance(examples, tuple | list) else str(examples)
        texts["epilog"] = text
        # Examples are laid out line by line: keep their line breaks.
        texts["formatter_class"] = argparse.RawDescriptionHelpFormatter
    return texts


def check_root_env() -> None:
    """``$CLOSEOUT_ROOT``, when set, must be a folder: pointing nowhere is a usage error, not
    a silent fall back to the current folder."""
    value = os.environ.get(ROOT_ENV, "")
    if value and not Path(value).is_dir():
        what = "is not a folder" if Path(value).exists() else "no such folder"
        raise UsageError(f"{ROOT_ENV}={value}: {what}")


def describe_os_error(exc: OSError) -> str:
    """``path: No space left on device`` (the path when the error names one)."""
    what = exc.strerror or str(exc) or type(exc).__name__
    return f"{exc.filename}: {what}" if exc.filename else what


def wants_json(argv: Sequence[str]) -> bool:
    """Whether the command line asks for JSON output (before ``--``), parsed or not."""
    before = list(argv[: list(argv).index("--")] if "--" in argv else argv)
    return "--json" in before or any(
        a == "--format=json" or (a == "--format" and b == "json")
        for a, b in itertools.pairwise([*before, ""])
    )


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """Parse ``argv``: split off pytest's arguments after ``--`` for run/gate/recur, and
    normalise ``--format`` and ``--json`` (``args.json`` is true for json and github)."""
    parser = build_parser(json_errors=wants_json(argv))
    _complete(parser)
    cut = list(argv).index("--") if "--" in argv else len(argv)
    # The top-level parser has options only: its first other word names the command.
    named = next((word for word in argv[:cut] if not word.startswith("-")), None)
    passing = named in PYTEST_PASS_THROUGH
    # Another command's `--` keeps argparse's meaning (`closeout search -- -x`).
    args = parser.parse_args(argv[:cut] if passing else argv)
    if passing:
        args.pytest_args = list(argv[cut + 1 :])
    if hasattr(args, "output_format"):
        chosen = args.output_format or ("json" if args.json else "text")
        if args.json and chosen != "json":
            parser.error(f"--json and --format {chosen} disagree: use one of them")
        args.output_format = chosen
        args.json = chosen in ("json", "github")
    return args


def _complete(parser: argparse.ArgumentParser) -> None:
    """Answer a shell's completion request (argcomplete) and exit; nothing otherwise."""
    if _COMPLETION_ENV not in os.environ:
        return
    # Imported only when a shell asks for completions: `closeout --help` stays light.
    import argcomplete

    argcomplete.autocomplete(parser)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``closeout`` console script."""
    args = parse(sys.argv[1:] if argv is None else list(argv))
    form = getattr(args, "output_format", "text")
    if form == "text" or (form == "github" and args.command not in GITHUB_COMMANDS):
        args.json = False  # github without annotations for this command: its text output
        return dispatch(args)[0]
    held = io.StringIO()
    with contextlib.redirect_stdout(held):
        code, error = dispatch(args)
    if error is not None:
        # Whatever the handler printed before it failed is dropped: one document, always.
        held = io.StringIO()
        with contextlib.redirect_stdout(held):
            emit_error(error, code)
    if form == "github":
        render: Callable[[str, str, int], int] = load(GITHUB_RENDERER)
        return render(args.command, held.getvalue(), code)
    _release(held.getvalue())
    return code


def _release(document: str) -> None:
    """Print the held JSON document (the reader may have gone away: not an error of ours)."""
    try:
        sys.stdout.write(document)
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def dispatch(args: argparse.Namespace) -> tuple[int, str | None]:
    """Run the chosen handler: its exit code, and why it failed when an exception ended it
    (already said on standard error)."""
    try:
        check_root_env()
        handler: Handler = load(args.handler)
        return handler(args), None
    except KeyboardInterrupt:
        return INTERRUPTED, "interrupted"
    except BrokenPipeError:
        # The reader went away (`closeout schema scenario | head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK, None
    except CloseoutError as exc:
        return _failed(str(exc), EXIT_USAGE)
    except OSError as exc:  # the machine said no: a full or read-only disk, a permission
        return _failed(describe_os_error(exc), EXIT_USAGE)
    except Exception:  # the CLI's one boundary
        traceback.print_exc()
        return _failed("internal error (a bug in closeout, please report it)", EXIT_BUG)


def _failed(message: str, code: int) -> tuple[int, str]:
    warn(message)
    return code, message

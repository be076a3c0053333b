"""Parse, dispatch, and the one boundary where an exception becomes an exit code.

Only argparse and the command table are imported at start-up; the chosen command's handler
module is imported by ``references.load``, so ``closeout --help`` stays fast and never loads
pydantic, pandas or evidently.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from closeout import __version__
from closeout.cli.commands import COMMANDS, Command
from closeout.cli.output import EXIT_BUG, EXIT_OK, EXIT_USAGE, Handler, warn
from closeout.cli.references import load
from closeout.errors import CloseoutError, UsageError

INTERRUPTED = 130
"""The shell's code for a command stopped by Ctrl-C."""
ROOT_ENV = "CLOSEOUT_ROOT"


def build_parser(commands: Sequence[Command] = COMMANDS) -> argparse.ArgumentParser:
    """The ``closeout`` argument parser, one subcommand per declared command."""
    parser = argparse.ArgumentParser(
        prog="closeout",
        description="Close ML-incident postmortem action items on evidence.",
        epilog="exit codes: 0 ok, 1 the answer is no, 2 bad input or usage",
    )
    parser.add_argument("--version", action="version", version=f"closeout {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in commands:
        sub = subparsers.add_parser(command.name, help=command.help)
        for argument in command.arguments:
            sub.add_argument(*argument.flags, **argument.options)
        sub.set_defaults(handler=command.handler)
    return parser


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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``closeout`` console script."""
    args = build_parser().parse_args(argv)
    try:
        check_root_env()
        handler: Handler = load(args.handler)
        return handler(args)
    except KeyboardInterrupt:
        return INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`closeout schema scenario | head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except CloseoutError as exc:
        warn(str(exc))
        return EXIT_USAGE
    except OSError as exc:  # the machine said no: a full or read-only disk, a permission
        warn(describe_os_error(exc))
        return EXIT_USAGE
    except Exception:  # the CLI's one boundary
        traceback.print_exc()
        warn("internal error (a bug in closeout, please report it)")
        return EXIT_BUG

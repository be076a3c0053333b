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

from closeout import __version__
from closeout.cli.commands import COMMANDS, Command
from closeout.cli.output import EXIT_BUG, EXIT_OK, EXIT_USAGE, Handler, warn
from closeout.cli.references import load
from closeout.errors import CloseoutError

INTERRUPTED = 130
"""The shell's code for a command stopped by Ctrl-C."""


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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``closeout`` console script."""
    args = build_parser().parse_args(argv)
    try:
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
    except Exception:  # the CLI's one boundary
        traceback.print_exc()
        warn("internal error (a bug in closeout, please report it)")
        return EXIT_BUG

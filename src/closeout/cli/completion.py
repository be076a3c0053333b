"""The ``completion`` command: the shell code that makes ``closeout <TAB>`` complete.

Completion itself is argcomplete's (``closeout.cli.app`` calls ``argcomplete.autocomplete``
when a shell asks); this prints the hook to put in a shell's start-up file, e.g.
``eval "$(closeout completion bash)"`` in ``~/.bashrc``.
"""

from __future__ import annotations

import argparse

from closeout.cli.output import EXIT_OK, say


def cmd_completion(args: argparse.Namespace) -> int:
    """Print the completion hook for ``args.shell``."""
    # argcomplete is imported only here and when a shell asks for completions.
    from argcomplete.shell_integration import shellcode

    say(shellcode(["closeout"], shell=args.shell).rstrip("\n"))
    return EXIT_OK

# PYTHON_ARGCOMPLETE_OK
"""The command line (SPEC §6): parse, call the core, print.

Exit codes: 0 success; 1 the work ran and the answer is no; 2 bad input or usage; 3 a bug in
closeout.

- ``output``: exit codes, ``emit`` (every ``--json``) and the printing helpers handlers use;
- ``commands``: the commands declared as data, each naming its handler as ``module:function``;
- ``app``: builds the parser from that table, loads the chosen handler, maps exceptions;
- ``references``: ``load("module:function")``, the one place the CLI imports closeout by name;
- handlers by area: ``scenarios`` (init, lint, run, schema), ``lifecycle`` (status, close,
  waive, gate, recur, verify), ``reports`` (report, metrics), ``search`` (light: no pydantic)
  and ``states`` (``--state`` checks), over ``pytest_session`` (pytest underneath run/gate/recur).

Handlers import ``closeout.cli.output``, never this package, so none of them needs the parser.
"""

from __future__ import annotations

from closeout.cli.app import build_parser, main

__all__ = ["build_parser", "main"]

"""Tables and colour for the terminal: the one table renderer of every command (through rich).

Where a table goes decides how it looks (rich's rules, read from the stream and environment):

- not a terminal (a pipe, a file, pytest's capture): plain text, the layout scripts and tests
  read: the header, a rule of dashes, columns two spaces apart, no trailing blanks, no colour
  and no box-drawing characters;
- a terminal: a bold header over a ruled line, verdicts and states coloured (``pass`` green,
  ``fail`` red, ``error`` magenta, ``regressed`` bold red, ``stale`` yellow, ...);
- ``NO_COLOR`` set to anything non-empty: no colour (no escape sequence at all);
  ``FORCE_COLOR``: a terminal's table even through a pipe (both as rich honours them).

rich is imported when a table is rendered, never when this module is: ``closeout --help``,
``lint`` and ``schema`` never pay for it.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.box import Box
    from rich.table import Table

#: The style of a cell whose first word is a verdict, an outcome or an action state.
STYLES = {
    "pass": "green",
    "fail": "red",
    "error": "magenta",
    "inconclusive": "yellow",
    "verified": "bold green",
    "closed": "green",
    "regressed": "bold red",
    "failing": "red",
    "stale": "yellow",
    "open": "cyan",
    "waived": "dim",
    "not_doing": "dim",
}

_PLAIN_WIDTH = 100_000  # wide enough that rich never wraps a plain table


def style_of(cell: str) -> str | None:
    """The colour of a cell naming a verdict or state (``FAIL: vacuous`` is a ``fail``)."""
    words = cell.split(maxsplit=1)
    return STYLES.get(words[0].rstrip(":,").lower()) if words else None


def table(
    headers: Sequence[object],
    rows: Sequence[Sequence[object]],
    stream: TextIO | None = None,
    *,
    plain: bool = False,
) -> str:
    """``rows`` under ``headers`` (each cell as ``str`` gives it), rendered for ``stream``
    (standard output by default); ``plain``: the plain layout whatever the stream and the
    environment (``FORCE_COLOR`` included), for text that is kept, e.g. in evidence."""
    cells = [[str(v) for v in row] for row in rows]
    return _render([str(h) for h in headers], cells, stream, always_plain=plain)


def _render(
    headers: list[str], rows: list[list[str]], stream: TextIO | None, *, always_plain: bool
) -> str:
    from rich.console import Console

    target = stream if stream is not None else sys.stdout
    console = Console(file=target, highlight=False, emoji=False, markup=False)
    if console.is_terminal and not always_plain:
        # NO_COLOR: no escape sequence at all, bold headers included.
        colour = console.color_system is not None and not console.no_color
        grid = _grid(headers, rows, box=_terminal_box(), colour=colour)
        with console.capture() as captured:
            console.print(grid)
        return _trimmed(captured.get())
    # Not a terminal: a rule of dashes as the first row keeps the plain layout exact.
    widths = [max([len(h), *(len(row[i]) for row in rows)]) for i, h in enumerate(headers)]
    grid = _grid(headers, [["-" * w for w in widths], *rows], box=None, colour=False)
    buffer = io.StringIO()
    plain = Console(
        file=buffer,
        width=_PLAIN_WIDTH,
        color_system=None,
        force_terminal=False,
        no_color=True,
        highlight=False,
        emoji=False,
        markup=False,
    )
    plain.print(grid)
    return _trimmed(buffer.getvalue())


def _terminal_box() -> Box:
    from rich import box

    return box.SIMPLE_HEAD


def _grid(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, box: Box | None, colour: bool
) -> Table:
    from rich.table import Table
    from rich.text import Text

    # Two spaces between columns, as in plain text: one of padding, one of the box's divider
    # (without a box, the padding on both sides).
    grid = Table(
        box=box,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1) if box is None else (0, 1, 0, 0),
        header_style="bold" if colour else "",
    )
    for header in headers:
        # Too wide for the terminal: cells and headers wrap, never end in an ellipsis.
        grid.add_column(Text(header), overflow="fold")
    for row in rows:
        # Text, not a string: a cell reading "[0, 100]" is text, never rich markup.
        grid.add_row(*(Text(cell, style=(style_of(cell) or "") if colour else "") for cell in row))
    return grid


def _trimmed(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.rstrip("\n").splitlines())

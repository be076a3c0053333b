"""Render a ``Document`` as GitHub-flavoured Markdown that also reads well in other wikis.

All user text is escaped: Markdown punctuation gets a backslash, ``& < >`` become entities
(so a title holding HTML shows as text on every renderer), pipes are escaped in tables and
line breaks inside a table cell become ``<br>``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from closeout.reports.document import (
    Badge,
    Block,
    Break,
    Bullets,
    Code,
    Details,
    Document,
    Facts,
    Gallery,
    Heading,
    Image,
    Inline,
    Link,
    Para,
    Strong,
    Svg,
    Table,
    Text,
)

ICONS = {"good": "✅", "bad": "❌", "warn": "⚠️", "alert": "⏰"}
_PUNCTUATION = re.compile(r"([\\`*_\[\]|#~])")
# Block markers at the start of a line: a list bullet, a setext underline, an ordered-list
# number (escaped on its dot: "1\\." since a backslash before a digit would show).
_LINE_START = re.compile(r"^(\s*)(?:([-+=])|(\d+)([.)]))", re.MULTILINE)
_SPACE = re.compile(r"\s+")


def escape(text: str, *, block_start: bool = True) -> str:
    """Text that renders literally: no emphasis, links, HTML or (at a line start, unless
    ``block_start`` is false, as in a table cell) block markers."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _PUNCTUATION.sub(r"\\\1", text)
    if not block_start:
        return text
    return _LINE_START.sub(
        lambda m: m.group(1) + (f"\\{m.group(2)}" if m.group(2) else f"{m.group(3)}\\{m.group(4)}"),
        text,
    )


def _cell_text(text: str) -> str:
    return _SPACE.sub(" ", text)


def table_cell(text: str) -> str:
    """Markdown made fit for one table cell: on one line, its pipes escaped (inside a code
    span too: GitHub splits the row on unescaped pipes before it reads the cell)."""
    return _cell_text(text).replace("|", "\\|")


def table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Collection[int] = ()
) -> str:
    """A GitHub-flavoured Markdown table of cells already fit for a cell (``table_cell``, or
    ``escape`` with ``block_start=False``); the ``numeric`` columns align right."""

    def row(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c or " " for c in cells) + " |"

    rule = ["---:" if i in numeric else "---" for i in range(len(headers))]
    return "\n".join([row(headers), row(rule), *(row(cells) for cells in rows)])


def inline(run: Inline, *, cell: bool = False) -> str:
    """One inline run; ``cell`` keeps it on one line (table cells)."""
    if isinstance(run, Text):
        text = _cell_text(run.text) if cell else run.text
        return escape(text, block_start=not cell)
    if isinstance(run, Strong):
        return f"**{escape(_cell_text(run.text).strip(), block_start=False)}**"
    if isinstance(run, Code):
        return _code(run.text, cell)
    if isinstance(run, Link):
        target = run.markdown_href or run.href
        return f"[{escape(_cell_text(run.text), block_start=False)}]({target})"
    if isinstance(run, Badge):
        text = escape(run.text)
        icon = ICONS.get(run.tone)
        if run.tone.startswith("sev"):
            return f"**{text}**"
        return f"{icon} {text}" if icon else text
    if isinstance(run, Break):
        return "<br>" if cell else "  \n"
    raise TypeError(f"unknown inline {run!r}")


def _code(text: str, cell: bool) -> str:
    if cell:
        body = table_cell(text)
    elif "\n" in text:
        body = text  # a fenced block keeps its lines
    else:
        body = _cell_text(text)
    if "\n" in body:
        fence = "`" * max(3, _longest_run(body) + 1)
        return f"\n\n{fence}\n{body.rstrip()}\n{fence}\n"
    ticks = "`" * (_longest_run(body) + 1)
    pad = " " if body.startswith("`") or body.endswith("`") else ""
    return f"{ticks}{pad}{body}{pad}{ticks}"


def _longest_run(text: str) -> int:
    return max((len(m) for m in re.findall(r"`+", text)), default=0)


def inlines(runs: list[Inline], *, cell: bool = False) -> str:
    return "".join(inline(run, cell=cell) for run in runs)


def block(item: Block) -> str:
    """One block, without the blank line that separates it from the next."""
    if isinstance(item, Heading):
        anchor = f'<a id="{item.anchor}"></a>\n\n' if item.anchor else ""
        return f"{anchor}{'#' * item.level} {escape(_cell_text(item.text))}"
    if isinstance(item, Para):
        return inlines(item.inlines).strip()
    if isinstance(item, Bullets):
        return "\n".join(f"- {inlines(i, cell=True)}" for i in item.items)
    if isinstance(item, Facts):
        return "\n".join(
            f"- **{escape(k, block_start=False)}:** {inlines(v, cell=True)}" for k, v in item.pairs
        )
    if isinstance(item, Table):
        return table(
            [escape(h, block_start=False) for h in item.headers],
            [[inlines(cell, cell=True) for cell in cells] for cells in item.rows],
            item.numeric,
        )
    if isinstance(item, Image):
        return f"![{escape(_cell_text(item.alt), block_start=False)}]({item.src})"
    if isinstance(item, Gallery):
        return "\n\n".join(block(image) for image in item.images)
    if isinstance(item, Svg):
        return ""  # drawn charts live in the HTML page only
    if isinstance(item, Details):
        inner = [block(b) for b in item.blocks]
        return "\n\n".join([f"#### {escape(item.summary)}", *[b for b in inner if b]])
    raise TypeError(f"unknown block {item!r}")


def render(document: Document) -> str:
    """The whole document as Markdown text, ending with a newline."""
    parts = [text for text in (block(b) for b in document.blocks) if text]
    if document.footer:
        parts += ["---", f"_{escape(document.footer)}_"]
    return "\n\n".join(parts) + "\n"

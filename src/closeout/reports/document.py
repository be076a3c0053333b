"""A tiny document model shared by the Markdown and HTML renderers.

The postmortem page is built once as blocks (headings, paragraphs, tables, lists, images)
holding inline runs (text, links, badges); ``markdown.py`` and ``html.py`` each render the
same blocks, so the two outputs cannot drift apart. Every string here is user text: the
renderers escape it, nothing in this module does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# --------------------------------------------------------------------------- inline runs


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Strong:
    text: str


@dataclass(frozen=True)
class Code:
    text: str


@dataclass(frozen=True)
class Link:
    text: str
    href: str  # relative URL, already percent-encoded where needed
    markdown_href: str | None = None  # where the Markdown page links instead (its sibling .md)
    title: str = ""  # a tooltip in HTML (what a label stands for)


@dataclass(frozen=True)
class Badge:
    """A short status word (verdict, state, severity) with a tone for colour."""

    text: str
    tone: str  # good | bad | warn | alert | info | muted | sev1..sev4


@dataclass(frozen=True)
class Break:
    """A line break inside a paragraph or a table cell."""


Inline = Text | Strong | Code | Link | Badge | Break
Inlines = list[Inline]


def plain(text: str | None) -> Inlines:
    """Inline runs for a plain string (empty when None)."""
    return [Text(text)] if text else []


def one(run: Inline) -> Inlines:
    """A single run as an inline sequence (keeps the list type ``Inlines`` for mypy)."""
    return [run]


def joined(parts: list[Inlines], separator: str = ", ") -> Inlines:
    """Concatenate several inline sequences with a text separator between them."""
    out: Inlines = []
    for index, part in enumerate(parts):
        if index:
            out.append(Text(separator))
        out += part
    return out


# --------------------------------------------------------------------------- blocks


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str = ""


@dataclass(frozen=True)
class Para:
    inlines: Inlines


@dataclass(frozen=True)
class Bullets:
    items: list[Inlines]


@dataclass(frozen=True)
class Facts:
    """Label / value pairs (a definition list)."""

    pairs: list[tuple[str, Inlines]]


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[Inlines]]
    numeric: frozenset[int] = frozenset()  # column indexes aligned right
    nowrap: frozenset[int] = frozenset()  # column indexes kept on one line (times)
    wrap: frozenset[int] = frozenset()  # column indexes whose long names break anywhere


@dataclass(frozen=True)
class Image:
    src: str  # relative URL of an image file (an SVG chart written by a kind)
    alt: str


@dataclass(frozen=True)
class Gallery:
    """Images shown side by side in HTML (one per line in Markdown)."""

    images: list[Image]


@dataclass(frozen=True)
class Svg:
    """A chart drawn by the report itself: inline in HTML, left out of Markdown."""

    svg: str
    caption: str


@dataclass(frozen=True)
class Details:
    """Collapsible in HTML; a labelled sub-section in Markdown."""

    summary: str
    blocks: list[Block] = field(default_factory=list)
    opened: bool = False


Block = Heading | Para | Bullets | Facts | Table | Image | Gallery | Svg | Details


@dataclass(frozen=True)
class Document:
    title: str
    blocks: list[Block]
    footer: str = ""

"""Render a ``Document`` as a static HTML page: inline CSS, no script, no network.

Every piece of user text goes through ``html.escape``; the only markup that is not built
here is the SVG drawn by ``charts.py`` (which escapes its own labels). A Content Security
Policy forbids any script but the page's own (pinned by its hash) and any network fetch.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from html import escape
from importlib import resources

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


@cache
def asset(name: str) -> str:
    """A file of ``closeout/reports/assets`` (the shared CSS and the archive's script)."""
    return (resources.files("closeout.reports") / "assets" / name).read_text(encoding="utf-8")


def inline(run: Inline) -> str:
    if isinstance(run, Text):
        return escape(run.text)
    if isinstance(run, Strong):
        return f"<strong>{escape(run.text)}</strong>"
    if isinstance(run, Code):
        return f"<code>{escape(run.text)}</code>"
    if isinstance(run, Link):
        title = f' title="{escape(run.title)}"' if run.title else ""
        return f'<a href="{escape(run.href)}"{title}>{escape(run.text)}</a>'
    if isinstance(run, Badge):
        return f'<span class="badge {escape(run.tone)}">{escape(run.text)}</span>'
    if isinstance(run, Break):
        return "<br>"
    raise TypeError(f"unknown inline {run!r}")


def inlines(runs: list[Inline]) -> str:
    return "".join(inline(run) for run in runs)


def block(item: Block) -> str:
    if isinstance(item, Heading):
        anchor = f' id="{escape(item.anchor)}"' if item.anchor else ""
        return f"<h{item.level}{anchor}>{escape(item.text)}</h{item.level}>"
    if isinstance(item, Para):
        return f'<div class="para">{inlines(item.inlines)}</div>'
    if isinstance(item, Bullets):
        return "<ul>" + "".join(f"<li>{inlines(i)}</li>" for i in item.items) + "</ul>"
    if isinstance(item, Facts):
        pairs = "".join(
            f"<dt>{escape(label)}</dt><dd>{inlines(value)}</dd>" for label, value in item.pairs
        )
        return f'<dl class="facts">{pairs}</dl>'
    if isinstance(item, Table):
        return table(item)
    if isinstance(item, Image):
        src, alt = escape(item.src), escape(item.alt)
        image = f'<a href="{src}"><img src="{src}" alt="{alt}"></a>'
        return f'<figure class="artifact">{image}<figcaption>{alt}</figcaption></figure>'
    if isinstance(item, Gallery):
        return '<div class="gallery">' + "".join(block(i) for i in item.images) + "</div>"
    if isinstance(item, Svg):
        caption = escape(item.caption)
        return f'<figure class="chart">{item.svg}<figcaption>{caption}</figcaption></figure>'
    if isinstance(item, Details):
        inner = "".join(block(b) for b in item.blocks)
        opened = " open" if item.opened else ""
        return f"<details{opened}><summary>{escape(item.summary)}</summary>{inner}</details>"
    raise TypeError(f"unknown block {item!r}")


def table(item: Table, attributes: str = "") -> str:
    def cls(index: int) -> str:
        names = ["num"] * (index in item.numeric) + ["nowrap"] * (index in item.nowrap)
        names += ["wrap"] * (index in item.wrap)
        return f' class="{" ".join(names)}"' if names else ""

    head = "".join(f"<th{cls(i)}>{escape(h)}</th>" for i, h in enumerate(item.headers))
    rows = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{inlines(c)}</td>" for i, c in enumerate(cells)) + "</tr>"
        for cells in item.rows
    )
    return (
        f'<div class="table-wrap"><table{attributes}><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )


def script_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def page(title: str, body: str, *, nav: str = "", footer: str = "", script: str = "") -> str:
    """A complete HTML page around ``body`` (trusted HTML) with the shared stylesheet."""
    scripts = script_hash(script) if script else "'none'"
    policy = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' file: data:; "
        f"script-src {scripts}; base-uri 'none'; form-action 'none'"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
        '<meta name="generator" content="closeout">\n'
        f"<title>{escape(title)}</title>\n<style>{asset('style.css')}</style>\n</head>\n<body>\n"
        + (f'<nav class="top">{nav}</nav>\n' if nav else "")
        + f"<main>\n{body}\n</main>\n"
        + (f"<footer>{escape(footer)}</footer>\n" if footer else "")
        + (f"<script>{script}</script>\n" if script else "")
        + "</body>\n</html>\n"
    )


def render(document: Document) -> str:
    """A postmortem page: the document's blocks, linked back to the archive."""
    body = "\n".join(block(b) for b in document.blocks)
    nav = '<a href="../index.html">← All incidents</a> · <a href="postmortem.md">Markdown</a>'
    return page(document.title, body, nav=nav, footer=document.footer)

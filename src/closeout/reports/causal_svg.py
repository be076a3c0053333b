"""The causal diagram's SVG: what Graphviz drew, made safe to inline, or a fallback drawing.

Graphviz' SVG goes into the page, so it is never inlined as it comes: ``sanitise`` parses it
and writes it again from an allow-list (elements, attributes, and a pattern for every
attribute value), dropping the XML prolog, the DOCTYPE, comments, ids and anything else;
every piece of text is escaped again, and each node's tooltip is the full text of its item.
No script, no event attribute, no external reference can come through, so the page's strict
Content Security Policy holds. ``draw`` is the fallback when ``dot`` is missing: the same
nodes in five columns, drawn here, deterministic.
"""

from __future__ import annotations

import re
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

WRAP = 28  # characters per label line
MAX_LINES = 3
NODE_WIDTH = 200.0
LINE_HEIGHT = 15.0
COLUMN_GAP = 32.0  # five columns and four gaps fit the page's 1152 px column
ROW_GAP = 9.0
PAD = 6.0
FONT_STACK = "DejaVu Sans, Verdana, sans-serif"

# (fill, stroke) per node kind and tone; actions by state, scenarios by their latest verdict.
PALETTE = {
    ("evidence", ""): ("#eef3fb", "#4a6fa5"),
    ("cause", ""): ("#fff3e0", "#c25e00"),
    ("hypothesis", "confirmed"): ("#e3f4e5", "#2e7d32"),
    ("hypothesis", "refuted"): ("#f2f2f2", "#9e9e9e"),
    ("hypothesis", "open"): ("#fff8e1", "#b08900"),
    ("hypothesis", "inconclusive"): ("#f3e8f6", "#7b3f8c"),
    ("action", "closed"): ("#cdebd3", "#1e7b34"),
    ("action", "verified"): ("#dff3e4", "#2ca02c"),
    ("action", "open"): ("#e1ecf8", "#1f5fa8"),
    ("action", "failing"): ("#fbd9d9", "#b71c1c"),
    ("action", "regressed"): ("#f6b9b9", "#8e0000"),
    ("action", "stale"): ("#fff1cc", "#9a6b00"),
    ("action", "waived"): ("#ececec", "#777777"),
    ("action", "not_doing"): ("#f7f7f7", "#aaaaaa"),
    ("scenario", "pass"): ("#ffffff", "#2ca02c"),
    ("scenario", "fail"): ("#ffffff", "#b71c1c"),
    ("scenario", "inconclusive"): ("#ffffff", "#9a6b00"),
    ("scenario", "none"): ("#ffffff", "#9e9e9e"),
}
EDGE_STYLES = {  # colour, dashed
    "supports": ("#6b8f71", False),
    "contradicts": ("#c62828", True),
    "establishes": ("#2e7d32", False),
    "addresses": ("#8a94a0", False),
    "proves": ("#8a94a0", False),
}


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean(text: str) -> str:
    """Text with control characters and runs of white space reduced to single spaces."""
    return " ".join(_CONTROL.sub(" ", text).split())


def label_lines(text: str) -> list[str]:
    """The body of a node label: wrapped, at most ``MAX_LINES`` lines, elided with '…'."""
    lines = textwrap.wrap(clean(text), WRAP, break_long_words=True) or [""]
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES]
        lines[-1] = lines[-1][: WRAP - 1].rstrip() + "…"
    return lines


@dataclass(frozen=True)
class Node:
    """One box: its column (layer), what it is, its first line (id and tag) and its text."""

    key: str  # n0, n1, ...: safe as a DOT name and never shown
    layer: int
    kind: str  # evidence | hypothesis | cause | action | scenario
    head: str
    tag: str
    text: str
    tone: str = ""
    struck: bool = False
    href: str = ""  # an anchor on the page ("#action-A1"), or ""

    def colours(self) -> tuple[str, str]:
        return PALETTE.get((self.kind, self.tone), PALETTE[("evidence", "")])

    def tooltip(self) -> str:
        head = f"{self.head} ({self.tag})" if self.head else self.tag
        return f"{head}: {self.text}"


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    relation: str  # supports | contradicts | establishes | addresses | proves

    def dot_style(self) -> str:
        colour, dashed = EDGE_STYLES[self.relation]
        return f'color="{colour}"' + (', style="dashed", arrowhead="tee"' if dashed else "")


@dataclass(frozen=True)
class Graph:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


# --------------------------------------------------------------------------- sanitising

_NUMBERS = re.compile(r"^[-0-9.,eE ]+$")
_PATH = re.compile(r"^[MCLZHVmclzhv0-9.,eE -]+$")
_COLOUR = re.compile(r"^(#[0-9a-fA-F]{3,8}|none|transparent|black|white)$")
_TRANSFORM = re.compile(r"^((scale|rotate|translate)\([-0-9. ]+\) ?)+$")
_CLASS = re.compile(r"^[a-z0-9 _-]+$")
_ANCHOR = re.compile(r"^#[A-Za-z0-9%._-]+$")
_WORD = re.compile(r"^[a-z-]+$")
# Every value must match its attribute's pattern. None of the patterns admits a quote, '<'
# or '&', so a value that passes is written as it is.
_PATTERNS = {
    **dict.fromkeys(
        ("x", "y", "cx", "cy", "rx", "ry", "points", "font-size", "stroke-width", "viewBox"),
        _NUMBERS,
    ),
    "stroke-dasharray": _NUMBERS,
    "d": _PATH,
    "fill": _COLOUR,
    "stroke": _COLOUR,
    "transform": _TRANSFORM,
    "class": _CLASS,
    "href": _ANCHOR,
    "text-anchor": _WORD,
    "font-weight": _WORD,
    "text-decoration": _WORD,
}
_ALLOWED = {
    "svg": {"viewBox"},
    "g": {"class", "transform"},
    "a": {"href"},
    "title": set(),
    "path": {"d", "fill", "stroke", "stroke-width", "stroke-dasharray"},
    "polygon": {"points", "fill", "stroke", "stroke-width", "stroke-dasharray"},
    "polyline": {"points", "fill", "stroke", "stroke-width", "stroke-dasharray"},
    "ellipse": {"cx", "cy", "rx", "ry", "fill", "stroke", "stroke-width"},
    "text": {"x", "y", "text-anchor", "font-size", "font-weight", "text-decoration", "fill"},
}


def split_svgs(output: str) -> list[str]:
    """The SVG documents of one ``dot -Tsvg`` run over several graphs."""
    return [part for part in re.split(r"(?=<\?xml )", output) if "<svg" in part]


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _attributes(tag: str, element: ET.Element) -> str:
    allowed = _ALLOWED[tag]
    out = []
    for raw_name, value in element.attrib.items():
        name = _local(raw_name)
        if name in allowed and _PATTERNS[name].match(value):
            out.append(f' {name}="{value}"')
    if tag == "text":
        out.append(f' font-family="{FONT_STACK}"')
    return "".join(out)


def _write(element: ET.Element, titles: dict[str, str], out: list[str]) -> None:
    tag = _local(element.tag)
    if tag not in _ALLOWED:
        return
    if tag == "title":
        text = titles.get((element.text or "").strip())
        if text:
            out.append(f"<title>{escape(text)}</title>")
        return
    out.append(f"<{tag}{_attributes(tag, element)}>")
    if tag == "text":
        out.append(escape(element.text or ""))
    for child in element:
        _write(child, titles, out)
    out.append(f"</{tag}>")


def sanitise(svg: str, graph: Graph) -> str:
    """Graphviz' SVG rebuilt from the allow-list, sized 1 px per point, with tooltips."""
    # From the <svg> element on: the prolog and the DOCTYPE are dropped; the parser drops
    # comments. ParseError (never seen from dot) is the caller's to handle.
    root = ET.fromstring(svg[svg.index("<svg") :])
    titles = {node.key: node.tooltip() for node in graph.nodes}
    by_key = {node.key: node for node in graph.nodes}
    for edge in graph.edges:
        source, target = by_key[edge.source], by_key[edge.target]
        titles[f"{edge.source}->{edge.target}"] = (
            f"{source.head or source.text} {edge.relation} {target.head or target.text}"
        )
    width, height = (_points(root.attrib.get(name, "0")) for name in ("width", "height"))
    body: list[str] = []
    for child in root:
        _write(child, titles, body)
    view_box = escape(root.attrib.get("viewBox", f"0 0 {width} {height}"))
    if not _NUMBERS.match(view_box):
        view_box = f"0 0 {width} {height}"
    return _svg_open(width, height, view_box) + "".join(body) + "</svg>"


def _points(value: str) -> float:
    number = re.match(r"^[0-9.]+", value)
    return round(float(number[0]), 2) if number else 0.0


def _svg_open(width: float, height: float, view_box: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="causal" width="{width:g}" '
        f'height="{height:g}" viewBox="{view_box}" role="img" '
        'aria-label="Causal diagram: evidence, hypotheses, root causes, actions, scenarios">'
    )


# --------------------------------------------------------------------------- fallback


@dataclass(frozen=True)
class _Box:
    x: float
    y: float
    height: float


def _boxes(nodes: Iterable[Node]) -> dict[str, _Box]:
    """Columns by layer, boxes stacked top down in the order the postmortem lists them."""
    tops: dict[int, float] = {}
    boxes = {}
    for node in nodes:
        height = (1 + len(label_lines(node.text))) * LINE_HEIGHT + 2 * PAD
        top = tops.get(node.layer, PAD)
        boxes[node.key] = _Box(PAD + node.layer * (NODE_WIDTH + COLUMN_GAP), top, height)
        tops[node.layer] = top + height + ROW_GAP
    return boxes


def _edge(edge: Edge, boxes: dict[str, _Box]) -> str:
    start, end = boxes[edge.source], boxes[edge.target]
    x1, y1 = start.x + NODE_WIDTH, start.y + start.height / 2
    x2, y2 = end.x - 6, end.y + end.height / 2
    middle = (x1 + x2) / 2
    colour, dashed = EDGE_STYLES[edge.relation]
    dash = ' stroke-dasharray="5,3"' if dashed else ""
    return (
        f'<path d="M{x1:.1f},{y1:.1f} C{middle:.1f},{y1:.1f} {middle:.1f},{y2:.1f} '
        f'{x2:.1f},{y2:.1f}" fill="none" stroke="{colour}" stroke-width="1.1"{dash}/>'
        f'<polygon points="{x2:.1f},{y2 - 3.5:.1f} {x2 + 6:.1f},{y2:.1f} {x2:.1f},{y2 + 3.5:.1f}" '
        f'fill="{colour}"/>'
    )


def _node(node: Node, box: _Box) -> str:
    fill, stroke = node.colours()
    x = box.x + PAD
    lines = [
        f'<text x="{x:.1f}" y="{box.y + PAD + 11:.1f}" font-size="12" font-weight="bold" '
        f'font-family="{FONT_STACK}" fill="#1b1f24">{escape(clean(f"{node.head}  {node.tag}"))}'
        "</text>"
    ]
    struck = ' text-decoration="line-through"' if node.struck else ""
    for index, line in enumerate(label_lines(node.text), start=1):
        y = box.y + PAD + 11 + index * LINE_HEIGHT
        lines.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="12" font-family="{FONT_STACK}" '
            f'fill="#1b1f24"{struck}>{escape(line)}</text>'
        )
    shape = (
        f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{NODE_WIDTH:g}" height="{box.height:.1f}" '
        f'rx="6" fill="{fill}" stroke="{stroke}" stroke-width="1.2"/>'
    )
    inner = f"<title>{escape(node.tooltip())}</title>{shape}{''.join(lines)}"
    if node.href:
        inner = f'<a href="{escape(node.href)}">{inner}</a>'
    return f'<g class="causal-{node.kind} tone-{escape(node.tone)}">{inner}</g>'


def draw(graph: Graph, note: str) -> str:
    """The fallback drawing: five columns, boxes in postmortem order, curved edges, and
    ``note`` (why this is not Graphviz' layout) written under them."""
    boxes = _boxes(graph.nodes)
    width = PAD + 5 * NODE_WIDTH + 4 * COLUMN_GAP + PAD
    bottom = max((b.y + b.height for b in boxes.values()), default=0.0) + PAD
    height = round(bottom + LINE_HEIGHT + PAD, 1)
    body = "".join(_edge(e, boxes) for e in graph.edges)
    body += "".join(_node(n, boxes[n.key]) for n in graph.nodes)
    body += (
        f'<text class="causal-note" x="{PAD:g}" y="{bottom + LINE_HEIGHT - 3:.1f}" '
        f'font-size="12" font-style="italic" font-family="{FONT_STACK}" fill="#5b636d">'
        f"{escape(note)}</text>"
    )
    return _svg_open(width, height, f"0 0 {width:g} {height:g}") + body + "</svg>"

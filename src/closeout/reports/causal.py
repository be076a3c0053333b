"""The causal diagram of an incident: evidence -> hypotheses -> root causes -> actions ->
scenarios, each action coloured by its state and each refuted hypothesis struck through.

``graph_of`` reduces an ``IncidentView`` to plain nodes and edges; ``to_dot`` writes them as
Graphviz DOT, every label built from escaped text; ``layout`` runs Graphviz ``dot -Tsvg`` on
many graphs in one process (a process costs ~16 ms, a graph inside one ~1 ms) and hands each
SVG to ``causal_svg.sanitise``. Without ``dot`` on PATH, or if it fails, ``causal_svg.draw``
lays the same graph out in plain columns and the caption says so.

``dot`` is deterministic for a given input (the ``dot`` engine has no random seed); the
fonts are fixed to DejaVu Sans, which Debian's graphviz depends on.
"""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from html import escape
from pathlib import Path
from urllib.parse import quote

from closeout.reports.causal_svg import (
    Edge,
    Graph,
    Node,
    clean,
    draw,
    label_lines,
    sanitise,
    split_svgs,
)
from closeout.reports.collect import ActionView, IncidentView
from closeout.reports.write import write_text

LAYERS = ("evidence", "hypotheses", "root causes", "actions", "scenarios")
FONT = "DejaVu Sans"
TIMEOUT_S = 120
BATCH = 64  # graphs per Graphviz run
FALLBACK_NOTE = "Graphviz (dot) is not installed here: a simple column layout is shown."
FAILED_NOTE = "Graphviz (dot) failed on this diagram: a simple column layout is shown."

HYPOTHESIS_TONES = {
    "confirmed": "confirmed",
    "refuted": "refuted",
    "open": "open",
    "inconclusive": "inconclusive",
}
VERDICT_TONES = {"pass": "pass", "fail": "fail", "error": "fail", "inconclusive": "inconclusive"}


class _Builder:
    """Adds nodes column by column and remembers each item's node key by its id."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.edges: list[Edge] = []
        self.keys: dict[tuple[str, str], str] = {}  # (kind, id) -> node key

    def add(self, layer: int, kind: str, ident: str, tag: str, text: str, **more: str) -> str:
        key = f"n{len(self.nodes)}"
        tone = more.get("tone", "")
        struck = kind == "hypothesis" and tone == "refuted"
        head = ident if kind != "scenario" else ""
        self.nodes.append(
            Node(key, layer, kind, head, tag, text, tone, struck, more.get("href", ""))
        )
        self.keys[(kind, ident)] = key
        return key

    def link(self, source: tuple[str, str], target: tuple[str, str], relation: str) -> None:
        """An edge between two items, when both are drawn (a dangling id draws nothing)."""
        if source in self.keys and target in self.keys:
            self.edges.append(Edge(self.keys[source], self.keys[target], relation))


def graph_of(view: IncidentView) -> Graph:
    """The diagram's nodes (in columns) and edges for one incident."""
    pm = view.postmortem
    graph = _Builder()
    for item in pm.evidence:
        graph.add(0, "evidence", item.id, item.kind.replace("_", " "), item.title)
    for hypothesis in pm.hypotheses:
        tone = HYPOTHESIS_TONES.get(hypothesis.status, "open")
        graph.add(
            1, "hypothesis", hypothesis.id, hypothesis.status, hypothesis.statement, tone=tone
        )
    for cause in pm.root_causes:
        tag = f"{cause.category}, {cause.level}" if cause.level else cause.category
        graph.add(2, "cause", cause.id, tag, cause.description)
    for action in view.actions:
        _action(graph, action)
    _investigation_edges(graph, view)
    return Graph(tuple(graph.nodes), tuple(graph.edges))


def _action(graph: _Builder, item: ActionView) -> None:
    """An action (coloured by its state) linked from its causes, and its scenarios."""
    action, state = item.status.action, item.status.state
    tag = state.replace("_", " ") + (", overdue" if item.status.overdue else "")
    href = f"#action-{quote(action.id)}"
    graph.add(3, "action", action.id, tag, action.title, tone=state, href=href)
    for cause in action.addresses:
        graph.link(("cause", cause), ("action", action.id), "addresses")
    for scenario in item.scenarios:
        verdict = scenario.latest.get("verdict") if scenario.latest else None
        label = verdict if isinstance(verdict, str) else "not run"
        ident = f"{action.id}/{scenario.name}"
        graph.add(4, "scenario", ident, label, scenario.name, tone=VERDICT_TONES.get(label, "none"))
        graph.link(("action", action.id), ("scenario", ident), "proves")


def _investigation_edges(graph: _Builder, view: IncidentView) -> None:
    for hypothesis in view.postmortem.hypotheses:
        target = ("hypothesis", hypothesis.id)
        for evidence in hypothesis.supporting:
            graph.link(("evidence", evidence), target, "supports")
        for evidence in hypothesis.contradicting:
            graph.link(("evidence", evidence), target, "contradicts")
        for cause_id in hypothesis.root_causes:
            graph.link(target, ("cause", cause_id), "establishes")
    for cause in view.postmortem.root_causes:
        for evidence in cause.evidence:
            graph.link(("evidence", evidence), ("cause", cause.id), "supports")


# --------------------------------------------------------------------------- DOT


def _html_label(node: Node) -> str:
    head = f"<B>{escape(clean(node.head))}</B>  " if node.head else ""
    first = f"{head}{escape(clean(node.tag))}"
    body = [escape(line) for line in label_lines(node.text)]
    if node.struck:
        body = [f"<S>{line}</S>" for line in body]
    rows = [first, *body]
    return "<" + "".join(f'{row}<BR ALIGN="LEFT"/>' for row in rows) + ">"


def to_dot(graph: Graph) -> str:
    """The graph as DOT: columns by layer (held in place by an invisible spine)."""
    lines = [
        "digraph causal {",
        "graph [rankdir=LR, nodesep=0.12, ranksep=0.42, pad=0.08, "
        f'bgcolor="transparent", fontname="{FONT}"];',
        f'node [shape=box, style="rounded,filled", fontname="{FONT}", fontsize=12, '
        'margin="0.08,0.05", penwidth=1.2];',
        'edge [arrowsize=0.6, penwidth=1.1, color="#8a94a0"];',
    ]
    for index in range(len(LAYERS)):
        lines.append(f'spine{index} [style=invis, shape=point, width=0, label=""];')
    lines.append(" -> ".join(f"spine{i}" for i in range(len(LAYERS))) + " [style=invis];")
    for node in graph.nodes:
        fill, stroke = node.colours()
        href = f', href="{node.href}"' if node.href else ""
        lines.append(
            f'{node.key} [label={_html_label(node)}, fillcolor="{fill}", color="{stroke}", '
            f'class="causal-{node.kind} tone-{node.tone}"{href}];'
        )
    for index in range(len(LAYERS)):
        members = " ".join(n.key for n in graph.nodes if n.layer == index)
        lines.append(f"{{rank=same; spine{index}; {members}}}")
    for edge in graph.edges:
        lines.append(f"{edge.source} -> {edge.target} [{edge.dot_style()}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- layout


def find_dot() -> str | None:
    """The Graphviz ``dot`` binary on PATH, or None."""
    return shutil.which("dot")


def layout(graphs: Sequence[Graph], dot: str | None = None) -> list[str]:
    """The SVG of each graph: by Graphviz (``dot``, default: found on PATH) when it is there
    and works, else drawn here with a note saying so."""
    binary = dot if dot is not None else find_dot()
    if not binary:
        return [draw(graph, FALLBACK_NOTE) for graph in graphs]
    svgs = _run_dot(binary, graphs) if graphs else []
    if svgs is None:
        return [draw(graph, FAILED_NOTE) for graph in graphs]
    return [_sanitised(svg, graph) for svg, graph in zip(svgs, graphs, strict=True)]


def _sanitised(svg: str, graph: Graph) -> str:
    try:
        return sanitise(svg, graph)
    except (ET.ParseError, ValueError):
        return draw(graph, FAILED_NOTE)


class PendingPages:
    """HTML pages waiting for their causal diagram.

    ``closeout report`` renders incidents one at a time; each page is held with a
    placeholder where its diagram goes, and every ``batch`` pages one Graphviz run lays out
    all their diagrams before the pages are written. The placeholder is an HTML comment,
    which escaped user text can never spell.
    """

    def __init__(self, batch: int = BATCH, dot: str | None = None) -> None:
        self.batch = batch
        self.dot = dot if dot is not None else (find_dot() or "")
        self.waiting: list[tuple[Path, str, str, Graph]] = []
        self.count = 0

    def placeholder(self) -> str:
        """A token for the next page's diagram."""
        self.count += 1
        return f"<!--closeout-causal-diagram-{self.count}-->"

    def add(self, path: Path, page: str, token: str, graph: Graph) -> None:
        """Hold ``page`` until its diagram is laid out (written by ``flush``)."""
        self.waiting.append((path, page, token, graph))
        if len(self.waiting) >= self.batch:
            self.flush()

    def flush(self) -> None:
        """Lay out the waiting pages' diagrams in one run and write the pages."""
        svgs = layout([graph for *_, graph in self.waiting], self.dot)
        for (path, page, token, _), svg in zip(self.waiting, svgs, strict=True):
            write_text(path, page.replace(token, svg, 1))
        self.waiting.clear()


def _run_dot(binary: str, graphs: Sequence[Graph]) -> list[str] | None:
    """One ``dot -Tsvg`` over every graph; None when it fails or its output is not one SVG
    per graph (the caller then draws the fallback)."""
    source = "".join(to_dot(graph) for graph in graphs)
    try:
        done = subprocess.run(
            [binary, "-Tsvg"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    svgs = split_svgs(done.stdout.decode("utf-8", errors="replace"))
    return svgs if len(svgs) == len(graphs) else None

"""The causal diagram: the graph of an incident, Graphviz' layout made safe, the fallback."""

from __future__ import annotations

import os
import shutil
import stat
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.conftest import POSTMORTEM, SCENARIO

from closeout.project import Project
from closeout.reports.causal import (
    FAILED_NOTE,
    FALLBACK_NOTE,
    PendingPages,
    graph_of,
    layout,
    to_dot,
)
from closeout.reports.causal_svg import PALETTE, Edge, Graph, Node, sanitise
from closeout.reports.collect import Reader

SVG = "{http://www.w3.org/2000/svg}"
INVESTIGATION = """\
evidence:
  - {id: E1, kind: dashboard, title: "Error rate panel", team: checkout}
  - {id: E2, kind: log, title: "deploy log", team: platform}
hypotheses:
  - {id: H1, statement: "the threshold is too high", status: confirmed, supporting: [E2], root_causes: [RC1]}
  - {id: H2, statement: "the pager was muted", status: refuted, contradicting: [E1]}
"""
HOSTILE = '</text><script>alert(1)</script><foreignObject/>" onload="alert(2)'
ALLOWED_TAGS = {"svg", "g", "a", "title", "path", "polygon", "polyline", "ellipse", "text"}
ALLOWED_TAGS |= {"rect"}  # the fallback draws boxes as rects


def dot_binary() -> str:
    found = shutil.which("dot")
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but no dot binary: install the Debian package graphviz")
        pytest.skip("no dot binary (Debian package graphviz)")
    return found


@pytest.fixture
def graph(project_dir: Path) -> Graph:
    (project_dir / "scenarios/INC-1/postmortem.yaml").write_text(POSTMORTEM + INVESTIGATION)
    (project_dir / "scenarios/INC-1/a1.yaml").write_text(SCENARIO)
    reader = Reader(Project(root=project_dir), datetime(2026, 1, 1, tzinfo=UTC))
    return graph_of(reader.view(reader.collect("INC-1")))


def node(graph: Graph, head: str) -> Node:
    return next(n for n in graph.nodes if (n.head or n.text) == head)


def big_graph(count: int = 40) -> Graph:
    """``count`` nodes over the five columns with long texts and a fan of edges."""
    kinds = ["evidence", "hypothesis", "cause", "action", "scenario"]
    nodes = tuple(
        Node(
            f"n{i}",
            i % 5,
            kinds[i % 5],
            f"X{i}",
            "refuted" if i % 5 == 1 and i % 2 else "closed",
            f"A long explanation number {i} that needs several lines to fit in its box " * 2,
            tone="refuted" if i % 5 == 1 and i % 2 else ("closed" if i % 5 == 3 else ""),
            struck=i % 5 == 1 and i % 2 == 1,
        )
        for i in range(count)
    )
    edges = tuple(
        Edge(f"n{i}", f"n{j}", "supports")
        for i in range(count)
        for j in range(count)
        if j % 5 == i % 5 + 1 and (i + j) % 3 == 0
    )
    return Graph(nodes, edges)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def texts(root: ET.Element) -> list[ET.Element]:
    return list(root.iter(f"{SVG}text"))


def test_the_graph_runs_from_evidence_to_scenarios(graph: Graph) -> None:
    layers = {(n.head or n.text): n.layer for n in graph.nodes}
    assert layers == {"E1": 0, "E2": 0, "H1": 1, "H2": 1, "RC1": 2, "A1": 3, "a1": 4}
    named = {(n.key): (n.head or n.text) for n in graph.nodes}
    edges = {(named[e.source], named[e.target], e.relation) for e in graph.edges}
    assert edges == {
        ("E2", "H1", "supports"),
        ("E1", "H2", "contradicts"),
        ("H1", "RC1", "establishes"),
        ("RC1", "A1", "addresses"),
        ("A1", "a1", "proves"),
    }
    assert node(graph, "H2").struck and not node(graph, "H1").struck
    assert (node(graph, "A1").tone, node(graph, "A1").href) == ("open", "#action-A1")
    assert (node(graph, "a1").tag, node(graph, "a1").tone) == ("not run", "none")


def test_dot_lays_it_out_with_refuted_struck_and_actions_coloured(graph: Graph) -> None:
    [svg] = layout([graph], dot_binary())
    root = parse(svg)
    assert not svg.startswith("<?xml") and "<!--" not in svg and "DOCTYPE" not in svg
    struck = {t.text for t in texts(root) if t.get("text-decoration") == "line-through"}
    assert struck == {"the pager was muted"}
    fill, stroke = PALETTE[("action", "open")]
    action = next(g for g in root.iter(f"{SVG}g") if "causal-action" in (g.get("class") or ""))
    shapes = [e for e in action.iter() if e.tag in (f"{SVG}path", f"{SVG}polygon")]
    assert any(s.get("fill") == fill and s.get("stroke") == stroke for s in shapes)
    links = [a.get("href") for a in root.iter(f"{SVG}a")]
    assert links == ["#action-A1"]
    tooltips = [t.text for t in root.iter(f"{SVG}title")]
    assert "H2 (refuted): the pager was muted" in tooltips


def test_dot_output_is_deterministic_and_batching_changes_nothing(graph: Graph) -> None:
    dot = dot_binary()
    other = big_graph(12)
    alone = layout([graph], dot) + layout([other], dot)
    assert layout([graph, other], dot) == alone
    assert layout([graph, other], dot) == alone


def test_user_text_is_escaped_and_nothing_outside_the_allow_list_comes_through() -> None:
    dot = dot_binary()
    hostile = Graph(
        (
            Node("n0", 0, "evidence", "E1", HOSTILE, HOSTILE),
            Node("n1", 3, "action", "A1", "open", HOSTILE, "open", False, "#action-A1"),
        ),
        (Edge("n0", "n1", "supports"),),
    )
    for svg in (*layout([hostile], dot), *layout([hostile], "")):
        assert "<script" not in svg and ' onload="' not in svg and "<foreignObject" not in svg
        root = parse(svg)
        tags = {element.tag.removeprefix(SVG) for element in root.iter()}
        assert tags <= ALLOWED_TAGS, tags
        attributes = {name for element in root.iter() for name in element.attrib}
        assert not any(name.lower().startswith("on") or name == "style" for name in attributes)
        assert any("<script>" in (t.text or "") for t in texts(root))  # shown as text


def test_the_sanitiser_drops_what_a_hostile_svg_could_carry() -> None:
    graph = Graph((Node("n0", 0, "evidence", "E1", "log", "deploy log"),), ())
    evil = (
        '<?xml version="1.0"?><!DOCTYPE svg><!-- comment -->'
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="100pt" height="50pt" viewBox="0 0 100 50" onload="alert(1)">'
        "<script>alert(2)</script><style>*{}</style>"
        '<g class="node" onclick="alert(3)" style="fill:red"><title>n0</title>'
        '<a xlink:href="javascript:alert(4)"><text x="1" y="2" fill="url(#x)">hi</text></a>'
        '<image href="http://evil.example/x.png"/><foreignObject><div>x</div></foreignObject>'
        '<path d="M0,0 L10,10" fill="none" stroke="black" transform="translate(1 2)"/>'
        "</g></svg>"
    )
    clean = sanitise(evil, graph)
    for bad in ("script", "style", "onload", "onclick", "javascript", "image", "foreign", "url("):
        assert bad not in clean, bad
    root = parse(clean)
    assert [t.text for t in root.iter(f"{SVG}title")] == ["E1 (log): deploy log"]
    assert [p.get("d") for p in root.iter(f"{SVG}path")] == ["M0,0 L10,10"]
    assert [a.attrib for a in root.iter(f"{SVG}a")] == [{}]


def test_without_dot_a_column_layout_is_drawn_with_a_note(graph: Graph) -> None:
    [svg] = layout([graph], "")
    assert svg == layout([graph], "")[0]  # deterministic
    root = parse(svg)
    shown = [t.text for t in texts(root)]
    assert FALLBACK_NOTE in shown and "the pager was muted" in shown
    struck = {t.text for t in texts(root) if t.get("text-decoration") == "line-through"}
    assert struck == {"the pager was muted"}
    boxes = {g.get("class"): g for g in root.iter(f"{SVG}g")}
    [rect] = boxes["causal-action tone-open"].iter(f"{SVG}rect")
    assert (rect.get("fill"), rect.get("stroke")) == PALETTE[("action", "open")]
    columns = sorted({float(r.get("x") or 0) for r in root.iter(f"{SVG}rect")})
    assert len(columns) == 5  # one per layer, evidence to scenarios


def _fake_dot(tmp_path: Path, script: str) -> str:
    path = tmp_path / "dot"
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


@pytest.mark.parametrize(
    "script", ["echo broken >&2; exit 1", "cat >/dev/null; echo '<svg></svg>'", "cat"]
)
def test_a_failing_dot_falls_back_with_a_note(graph: Graph, tmp_path: Path, script: str) -> None:
    svgs = layout([graph, graph], _fake_dot(tmp_path, script))
    assert all(FAILED_NOTE in svg for svg in svgs)


def test_forty_nodes_fit_the_page_at_full_size() -> None:
    graph = big_graph(40)
    [svg] = layout([graph], dot_binary())
    root = parse(svg)
    # 1 px per point: the page's main column is 1152 px wide, so nothing is scaled down and
    # every label keeps its 12 px font.
    assert float(root.get("width") or 0) <= 1152
    assert {t.get("font-size") for t in texts(root)} == {"12.00"}
    assert len([g for g in root.iter(f"{SVG}g") if "causal-" in (g.get("class") or "")]) == 40


def test_pending_pages_write_each_page_with_its_own_diagram(tmp_path: Path) -> None:
    pages = PendingPages(batch=2, dot="")
    graphs = [big_graph(n) for n in (3, 4, 5)]
    for index, graph in enumerate(graphs):
        token = pages.placeholder()
        pages.add(tmp_path / f"{index}.html", f"<p>before</p>{token}<p>after</p>", token, graph)
    assert (tmp_path / "0.html").is_file() and not (tmp_path / "2.html").exists()
    pages.flush()
    for index, graph in enumerate(graphs):
        page = (tmp_path / f"{index}.html").read_text()
        assert "closeout-causal-diagram" not in page
        assert page.count("<svg") == 1 and f"X{len(graph.nodes) - 1}" in page


def test_the_dot_source_never_carries_raw_user_text() -> None:
    source = to_dot(Graph((Node("n0", 0, "evidence", "E1", HOSTILE, HOSTILE),), ()))
    assert "<script>" not in source and "&lt;script&gt;" in source
    assert '" onload' not in source and "&quot; onload" in source

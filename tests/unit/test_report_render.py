"""Markdown and HTML renderings of the same document: structure, links, and escaping."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from closeout.reports import html, markdown
from closeout.reports.archive import embed_json
from closeout.reports.document import (
    Badge,
    Break,
    Bullets,
    Code,
    Details,
    Document,
    Facts,
    Gallery,
    Heading,
    Image,
    Link,
    Para,
    Strong,
    Svg,
    Table,
    Text,
    plain,
)
from closeout.reports.write import visible_controls, write_text

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)> | *bold* [x](javascript:y) & `t`"


def sample(text: str = "ordinary") -> Document:
    return Document(
        f"INC-1: {text}",
        [
            Heading(1, f"INC-1: {text}"),
            Facts([("Severity", [Badge("SEV2", "sev2")]), ("Owner", plain(text))]),
            Para(plain(text)),
            Bullets([plain(text), [Strong(text)]]),
            Heading(3, f"A1: {text}", anchor="action-A1"),
            Table(
                ["Scenario", "Verdict", "Figures"],
                [
                    [
                        [Link(text, "evidence/r%201.json")],
                        [Badge("pass", "good")],
                        [Text("a: "), Strong("1"), Break(), Text("b: "), Code(text)],
                    ]
                ],
                frozenset({2}),
            ),
            Gallery([Image("artifacts/a%20b.svg", text)]),
            Svg('<svg xmlns="http://www.w3.org/2000/svg"></svg>', text),
            Details(text, [Para([Code("line 1\nline 2")])], opened=True),
        ],
        footer=text,
    )


def test_markdown_has_github_tables_headings_anchors_and_images() -> None:
    text = markdown.render(sample())
    assert text.startswith("# INC-1: ordinary\n")
    assert "- **Severity:** **SEV2**" in text
    assert '<a id="action-A1"></a>\n\n### A1: ordinary' in text
    assert "| Scenario | Verdict | Figures |\n| --- | --- | ---: |" in text
    assert "| [ordinary](evidence/r%201.json) | ✅ pass | a: **1**<br>b: `ordinary` |" in text
    assert "![ordinary](artifacts/a%20b.svg)" in text
    assert "<svg" not in text  # drawn charts are for the HTML page
    assert "```\nline 1\nline 2\n```" in text
    assert text.endswith("---\n\n_ordinary_\n")


def test_markdown_escapes_user_text_everywhere() -> None:
    text = markdown.render(sample(HOSTILE))
    # Every line but the table row (whose code span shows its content literally) is text.
    prose = [line for line in text.splitlines() if not line.startswith("| [")]
    for line in prose:
        assert "<script>" not in line, line
        assert "<img" not in line, line
        assert not re.search(r"(?<!\\)\]\(javascript", line), line
    assert "# INC-1: &lt;script&gt;alert(1)&lt;/script&gt;&lt;img" in text
    assert "\\*bold\\*" in text
    for line in text.splitlines():
        if line.startswith(("| [", "| Scenario")):
            # every row of the three-column table keeps exactly four unescaped pipes
            assert len(re.findall(r"(?<!\\)\|", line)) == 4, line


def test_markdown_escapes_block_markers_only_where_they_would_act() -> None:
    assert markdown.escape("1. first\n- dash\n+ plus") == "1\\. first\n\\- dash\n\\+ plus"
    assert markdown.escape("0.92", block_start=False) == "0.92"
    assert markdown.inline(Text("- in a cell"), cell=True) == "- in a cell"


def test_markdown_code_spans_survive_backticks_and_pipes_in_cells() -> None:
    assert markdown.inline(Code("a`b"), cell=False) == "``a`b``"
    assert markdown.inline(Code("x | y\nz"), cell=True) == "`x \\| y z`"


class Collector(HTMLParser):
    """Every start tag with its attributes, and the text, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(page: str) -> Collector:
    collector = Collector()
    collector.feed(page)
    return collector


def test_html_page_is_static_with_a_strict_content_security_policy() -> None:
    page = html.render(sample())
    tags = parsed(page).tags
    policy = next(a["content"] for t, a in tags if t == "meta" and a.get("http-equiv"))
    assert policy is not None and "script-src 'none'" in policy and "default-src 'none'" in policy
    assert not [t for t, _ in tags if t == "script"]
    assert not re.search(r"(src|href)=\"(https?:)?//", page)  # nothing from a network
    assert '<h3 id="action-A1">' in page
    assert '<span class="badge sev2">SEV2</span>' in page
    assert "<details open>" in page
    assert '<td class="num">' in page


def test_hostile_text_is_inert_in_html() -> None:
    page = html.render(sample(HOSTILE))
    collector = parsed(page)
    assert [t for t, _ in collector.tags if t == "script"] == []
    images = [a for t, a in collector.tags if t == "img"]
    assert [a["src"] for a in images] == ["artifacts/a%20b.svg"]
    assert all("onerror" not in a for _, a in collector.tags)
    assert HOSTILE in "".join(collector.text)
    title = page[page.index("<title>") : page.index("</title>")]
    assert "&lt;script&gt;" in title


def test_the_archive_script_hash_pins_exactly_the_inline_script() -> None:
    script = "console.log(1)"
    page = html.page("t", "<p>x</p>", script=script)
    assert html.script_hash(script) in page and f"<script>{script}</script>" in page
    assert html.script_hash(script) != html.script_hash(script + " ")


def test_embedded_json_cannot_close_its_script_element() -> None:
    text = embed_json({"title": "</script><script>alert(1)</script> & <!--"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\\u003c/script\\u003e" in text


BIDI_CONTROLS = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]


def test_every_bidirectional_control_is_written_as_its_visible_escape(tmp_path: Path) -> None:
    text = "A1 " + "".join(f"{c}x" for c in BIDI_CONTROLS) + " \u200fmark stays"
    write_text(tmp_path / "page.md", text)
    written = (tmp_path / "page.md").read_text(encoding="utf-8")
    assert not any(c in written for c in BIDI_CONTROLS)
    expected = "".join(f"\\u{ord(c):04x}x" for c in BIDI_CONTROLS)
    assert written == f"A1 {expected} \u200fmark stays"  # a plain RTL mark is text, kept


def test_embedded_json_reads_back_the_visible_escape_not_the_control() -> None:
    text = embed_json({"title": "invoice \u202egnp.exe"})
    assert json.loads(text) == {"title": "invoice \\u202egnp.exe"}
    assert "\u202e" not in visible_controls(text)

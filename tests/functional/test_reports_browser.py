"""The generated pages in a real browser: headless Chromium driven over the DevTools protocol.

No Selenium or Playwright: a minimal WebSocket client (RFC 6455, text frames only) speaks
the DevTools protocol to Chromium. Checked: no console error (CSP violations included),
typing in the search box filters and ranks the incident rows, filters work, the charts and
the kinds' SVG artifacts render (a screenshot of each is not blank), and a postmortem title
holding HTML is shown as text, never run.

Skipped without a ``chromium`` binary, except under CI=true, where that is a failure.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import threading
import time
import urllib.request
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from tests.conftest import POSTMORTEM, SCENARIO

from closeout.cli import main

pytestmark = pytest.mark.slow

INJECTED = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--window-size=1280,1000",
    "--remote-debugging-port=0",
]


def chromium_binary() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but no chromium binary: install the Debian package chromium")
        pytest.skip("no chromium binary (Debian package chromium)")
    return found


# --------------------------------------------------------------------------- DevTools client


class DevTools:
    """Just enough WebSocket (RFC 6455) to send DevTools commands and collect events."""

    def __init__(self, url: str) -> None:
        parsed = urlparse(url)
        self.sock = socket.create_connection((parsed.hostname, parsed.port), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET {parsed.path} HTTP/1.1\r\nHost: {parsed.hostname}:{parsed.port}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        assert b" 101 " in head.split(b"\r\n", 1)[0], head
        self.sequence = 0
        self.events: list[dict[str, Any]] = []

    def _exact(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            if not chunk:
                raise ConnectionError("DevTools closed the connection")
            data += chunk
        return data

    def _send(self, text: str) -> None:
        payload = text.encode()
        header = bytearray([0x81])
        if len(payload) < 126:
            header.append(0x80 | len(payload))
        elif len(payload) < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", len(payload))
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", len(payload))
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(bytes(header) + mask + masked)

    def _receive(self) -> dict[str, Any]:
        parts = []
        while True:
            first, second = self._exact(2)
            size = second & 0x7F
            if size == 126:
                size = struct.unpack(">H", self._exact(2))[0]
            elif size == 127:
                size = struct.unpack(">Q", self._exact(8))[0]
            data = self._exact(size)
            if first & 0x0F == 0x8:
                raise ConnectionError("DevTools sent close")
            if first & 0x0F in (0x9, 0xA):  # ping / pong: nothing to do for a test client
                continue
            parts.append(data)
            if first & 0x80:
                message: dict[str, Any] = json.loads(b"".join(parts))
                return message

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.sequence += 1
        self._send(json.dumps({"id": self.sequence, "method": method, "params": params}))
        while True:
            message = self._receive()
            if message.get("id") == self.sequence:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            self.events.append(message)

    def wait_for(self, method: str, timeout: float = 20) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for index, event in enumerate(self.events):
                if event.get("method") == method:
                    return self.events.pop(index)
            self.events.append(self._receive())
        raise AssertionError(f"no {method} within {timeout}s")

    def evaluate(self, expression: str) -> Any:
        result = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url: str) -> None:
        """Load ``url`` afresh (via about:blank, so a new fragment is a new load)."""
        self.events.clear()
        for target in ("about:blank", url):
            self.call("Page.navigate", url=target)
            self.wait_for("Page.loadEventFired")
        self.events = [e for e in self.events if e.get("method") != "Page.loadEventFired"]
        self.evaluate("new Promise(r => setTimeout(r, 100))")

    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions and browser log errors so far."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                thrown = details.get("exception", {}).get("description", "")
                found.append(f"{details.get('text', '')} {thrown}"[:500])
            elif method == "Runtime.consoleAPICalled" and params.get("type") in (
                "error",
                "warning",
                "assert",
            ):
                found.append(json.dumps(params.get("args"))[:500])
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                found.append(params["entry"].get("text", "")[:500])
        return found

    def screenshot(self, selector: str) -> bytes:
        """A PNG of the element (scrolled into view), at half scale to keep decoding quick."""
        box = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); "
            "e.scrollIntoView(); const r = e.getBoundingClientRect(); "
            "return [r.x + scrollX, r.y + scrollY, r.width, r.height]; })()"
        )
        x, y, width, height = box
        assert width > 10 and height > 10, (selector, box)
        clip = {"x": x, "y": y, "width": width, "height": min(height, 800), "scale": 0.5}
        data = self.call("Page.captureScreenshot", format="png", clip=clip)["data"]
        return base64.b64decode(data)


def png_colours(png: bytes) -> tuple[int, float]:
    """Distinct colours and the share of non-white pixels of an 8-bit RGB(A) PNG."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    position, compressed = 8, b""
    width = height = channels = 0
    while position < len(png):
        length, kind = struct.unpack(">I4s", png[position : position + 8])
        chunk = png[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and colour in (2, 6), (depth, colour)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            compressed += chunk
    raw = zlib.decompress(compressed)
    stride = width * channels
    previous = bytearray(stride)
    colours: set[bytes] = set()
    coloured = 0
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        _unfilter(kind, line, previous, channels)
        for pixel in range(0, stride, channels):
            rgb = bytes(line[pixel : pixel + 3])
            colours.add(rgb)
            coloured += rgb != b"\xff\xff\xff"
        previous = line
    return len(colours), coloured / max(width * height, 1)


def _unfilter(kind: int, line: bytearray, previous: bytearray, bpp: int) -> None:
    for i in range(len(line)):
        left = line[i - bpp] if i >= bpp else 0
        up = previous[i]
        corner = previous[i - bpp] if i >= bpp else 0
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 2:
            line[i] = (line[i] + up) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 0xFF
        elif kind == 4:
            estimate = left + up - corner
            pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
            best = left if pa <= pb and pa <= pc else up if pb <= pc else corner
            line[i] = (line[i] + best) & 0xFF


# --------------------------------------------------------------------------- fixtures


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three incidents, one with evidence and charts, one whose title holds HTML."""
    root = tmp_path_factory.mktemp("archive")
    _write(root, "pyproject.toml", "[tool.closeout]\n")
    _write(root, "scenarios/INC-1/postmortem.yaml", POSTMORTEM)
    _write(root, "scenarios/INC-1/a1.yaml", SCENARIO)
    digit = (
        POSTMORTEM.replace("id: INC-1", "id: INC-2")
        .replace(
            "title: Error rate alert missed an outage",
            "title: Digit reader misread remittance slips",
        )
        .replace("severity: SEV3", "severity: SEV2")
    )
    _write(root, "scenarios/INC-2/postmortem.yaml", digit)
    injected = POSTMORTEM.replace("id: INC-1", "id: INC-3").replace(
        "title: Error rate alert missed an outage", f"title: '{INJECTED}'"
    )
    _write(root, "scenarios/INC-3/postmortem.yaml", injected)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CLOSEOUT_ROOT", str(root))
        for name in ("CI", "CLOSEOUT_SIGNING_KEY", "CLOSEOUT_TRIGGER"):
            patch.delenv(name, raising=False)
        assert main(["run", "INC-1"]) == 0
        assert main(["report"]) == 0
    return root


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevTools]:
    binary = chromium_binary()
    profile = tmp_path_factory.mktemp("chromium-profile")
    process = subprocess.Popen(
        [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    endpoint: list[str] = []
    ready = threading.Event()

    def drain() -> None:  # read stderr to the end so chromium never blocks on a full pipe
        assert process.stderr is not None
        for line in process.stderr:
            if "DevTools listening on" in line and not endpoint:
                endpoint.append(line.split("DevTools listening on", 1)[1].strip())
                ready.set()
        ready.set()

    threading.Thread(target=drain, daemon=True).start()
    try:
        assert ready.wait(60) and endpoint, "chromium did not open its DevTools port"
        port = urlparse(endpoint[0]).port
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as answer:
            targets = json.load(answer)
        page = next(t for t in targets if t.get("type") == "page")
        tools = DevTools(page["webSocketDebuggerUrl"])
        for domain in ("Page", "Runtime", "Log"):
            tools.call(f"{domain}.enable")
        yield tools
        tools.sock.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)
        if process.stderr is not None:
            process.stderr.close()


def visible_rows(tools: DevTools) -> list[str]:
    return list(
        tools.evaluate(
            "Array.from(document.querySelectorAll('#incidents tbody tr[data-i]'))"
            ".filter(r => !r.hidden).map(r => r.querySelector('a').textContent)"
        )
    )


def type_into(tools: DevTools, selector: str, text: str) -> None:
    tools.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
    for char in text:
        tools.call("Input.dispatchKeyEvent", type="keyDown", key=char, text=char)
        tools.call("Input.dispatchKeyEvent", type="keyUp", key=char)
    tools.evaluate("new Promise(r => setTimeout(r, 300))")


# --------------------------------------------------------------------------- tests


def test_archive_search_box_filters_rows_as_you_type(archive: Path, browser: DevTools) -> None:
    browser.open((archive / "reports" / "index.html").as_uri())
    assert sorted(visible_rows(browser)) == ["INC-1", "INC-2", "INC-3"]
    type_into(browser, "#q", "digi")  # a prefix already matches
    assert visible_rows(browser) == ["INC-2"]
    assert browser.evaluate("document.getElementById('count').textContent") == "1 of 3 incidents"
    assert browser.evaluate("location.hash") == "#q=digi"
    type_into(browser, "#q", "tx")  # "digitx" matches nothing
    assert visible_rows(browser) == []
    assert browser.evaluate("document.getElementById('no-match').hidden") is False
    assert browser.problems() == []


@pytest.mark.parametrize("query", ["alert", "error rate", "digit slips", "miss", "outages"])
def test_the_page_ranks_like_closeout_search(
    archive: Path, browser: DevTools, query: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CLOSEOUT_ROOT", str(archive))
        assert main(["search", query, "--json"]) == 0
    expected = [row["incident"] for row in json.loads(capsys.readouterr().out)["results"]]
    assert expected, query
    browser.open((archive / "reports" / "index.html").as_uri())
    type_into(browser, "#q", query)
    assert visible_rows(browser) == expected


def test_archive_filters_and_fragment_restore_the_view(archive: Path, browser: DevTools) -> None:
    browser.open((archive / "reports" / "index.html").as_uri() + "#severity=SEV2")
    assert visible_rows(browser) == ["INC-2"]
    browser.evaluate(
        "(() => { const s = document.getElementById('severity'); s.value = 'SEV3';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    assert sorted(visible_rows(browser)) == ["INC-1", "INC-3"]
    browser.evaluate(
        "(() => { const s = document.getElementById('state'); s.value = 'verified';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    assert visible_rows(browser) == ["INC-1"]
    assert browser.problems() == []


def test_archive_charts_render(archive: Path, browser: DevTools) -> None:
    browser.open((archive / "reports" / "index.html").as_uri())
    assert browser.evaluate("document.querySelectorAll('figure.chart svg').length") >= 5
    colours, share = png_colours(browser.screenshot("figure.chart"))
    assert colours >= 4 and share > 0.02, (colours, share)
    assert browser.problems() == []


def test_postmortem_page_shows_its_charts_and_artifacts(archive: Path, browser: DevTools) -> None:
    browser.open((archive / "reports" / "INC-1" / "index.html").as_uri())
    images = browser.evaluate(
        "Array.from(document.images).map(i => [i.getAttribute('src'), i.complete && i.naturalWidth])"
    )
    assert len(images) == 2 and all(width > 0 for _, width in images), images
    colours, share = png_colours(browser.screenshot("figure.artifact img"))
    assert colours >= 4 and share > 0.02, (colours, share)
    colours, share = png_colours(browser.screenshot("figure.chart svg"))
    assert colours >= 4 and share > 0.02, (colours, share)
    assert browser.problems() == []


def test_html_in_a_title_is_shown_as_text_and_never_runs(archive: Path, browser: DevTools) -> None:
    for page in ("index.html", "INC-3/index.html"):
        browser.open((archive / "reports" / page).as_uri())
        assert browser.evaluate("window.__pwned === undefined") is True
        assert browser.evaluate("document.querySelectorAll('img[src=x]').length") == 0
        assert INJECTED in browser.evaluate("document.body.textContent")
        assert browser.problems() == []


def test_the_checks_themselves_see_errors_and_blank_screenshots(
    tmp_path: Path, browser: DevTools
) -> None:
    page = tmp_path / "broken.html"
    page.write_text(
        '<meta http-equiv="Content-Security-Policy" content="img-src \'none\'">'
        '<div id="blank" style="width:300px;height:100px;background:#fff"></div>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><script>notDefined()</script>'
    )
    browser.open(page.as_uri())
    problems = browser.problems()
    assert any("notDefined" in p for p in problems), problems
    assert any("Content Security Policy" in p for p in problems), problems
    colours, share = png_colours(browser.screenshot("#blank"))
    assert (colours, share) == (1, 0.0)


# --------------------------------------------------------------------------- causal diagram


def _forty_node_incident(root: Path, incident: str) -> None:
    """6 evidence, 8 hypotheses (3 refuted), 6 root causes, 10 actions, 10 scenarios."""
    causes = "".join(
        f"  - {{id: RC{i}, category: data, description: 'cause {i}: the feed changed units "
        f"without notice and nothing downstream checked it', level: systemic, evidence: [E{i}]}}\n"
        for i in range(1, 7)
    )
    actions = "".join(
        f"  - id: A{i}\n    title: Action {i} adds a check on the feed before the model reads it\n"
        f"    type: detect\n    owner: team-{i}\n    due: 2099-01-01\n"
        f"    addresses: [RC{(i - 1) % 6 + 1}]\n    success_criteria: fires on a replay\n"
        for i in range(1, 11)
    )
    evidence = "".join(
        f"  - {{id: E{i}, kind: dashboard, title: 'Panel {i} of the scoring service', team: ml}}\n"
        for i in range(1, 7)
    )
    hypotheses = "".join(
        f"  - {{id: H{i}, statement: 'hypothesis {i}: a long statement about what broke and "
        f"why it stayed silent', status: {'refuted' if i % 3 == 0 else 'confirmed'}, "
        f"supporting: [E{(i - 1) % 6 + 1}], root_causes: [RC{(i - 1) % 6 + 1}]}}\n"
        for i in range(1, 9)
    )
    head = POSTMORTEM.split("root_causes:")[0].replace("id: INC-1", f"id: {incident}")
    text = (
        head
        + "root_causes:\n"
        + causes
        + "actions:\n"
        + actions
        + "evidence:\n"
        + evidence
        + "hypotheses:\n"
        + hypotheses
    )
    _write(root, f"scenarios/{incident}/postmortem.yaml", text)
    for i in range(1, 11):
        scenario = SCENARIO.replace("action: A1", f"action: A{i}")
        _write(root, f"scenarios/{incident}/a{i}.yaml", scenario)


@pytest.fixture(scope="module")
def causal_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """INC-4 laid out by Graphviz, INC-5 drawn by the fallback (no dot on PATH)."""
    root = tmp_path_factory.mktemp("causal")
    _write(root, "pyproject.toml", "[tool.closeout]\n")
    for incident in ("INC-4", "INC-5"):
        _forty_node_incident(root, incident)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CLOSEOUT_ROOT", str(root))
        patch.setenv("PATH", "")
        assert main(["report", "INC-5"]) == 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CLOSEOUT_ROOT", str(root))
        assert main(["report", "INC-4"]) == 0
    return root


@pytest.mark.parametrize("incident", ["INC-4", "INC-5"], ids=["graphviz", "fallback"])
def test_a_forty_node_causal_diagram_renders_readably(
    causal_archive: Path, browser: DevTools, incident: str
) -> None:
    if shutil.which("dot") is None and os.environ.get("CI", "").lower() == "true":
        pytest.fail("CI=true but no dot binary: install the Debian package graphviz")
    page = causal_archive / "reports" / incident / "index.html"
    assert ("simple column layout" in page.read_text()) == (incident == "INC-5")
    browser.open(page.as_uri())
    facts = browser.evaluate(
        """(() => {
          const svg = document.querySelector('figure.chart svg.causal');
          const box = svg.getBoundingClientRect();
          const main = document.querySelector('main').getBoundingClientRect();
          const nodes = Array.from(svg.querySelectorAll('g[class*="causal-"]'))
            .map(g => g.getBoundingClientRect()).map(r => [r.left, r.top, r.right, r.bottom]);
          const heights = Array.from(svg.querySelectorAll('text'))
            .filter(t => t.textContent.trim()).map(t => t.getBoundingClientRect().height);
          const spill = Array.from(svg.querySelectorAll('g[class*="causal-"]')).map(g => {
            const shape = g.querySelector('rect, path, polygon').getBoundingClientRect();
            return Math.max(...Array.from(g.querySelectorAll('text'))
              .map(t => t.getBoundingClientRect()).map(r => r.right - shape.right));
          });
          const struck = Array.from(svg.querySelectorAll('text'))
            .filter(t => getComputedStyle(t).textDecorationLine.includes('line-through'))
            .map(t => t.textContent);
          return {width: box.width, natural: svg.width.baseVal.value, right: box.right,
                  mainRight: main.right, nodes, spill: Math.max(...spill), minHeight: Math.min(...heights), struck,
                  links: Array.from(svg.querySelectorAll('a')).map(a => a.getAttribute('href'))};
        })()"""
    )
    assert len(facts["nodes"]) == 40
    # Shown at its natural size (not shrunk to fit) and inside the page's column.
    assert facts["width"] == pytest.approx(facts["natural"], abs=1)
    assert facts["right"] <= facts["mainRight"]
    assert facts["minHeight"] >= 11, facts["minHeight"]  # 12 px labels, not scaled down
    assert facts["spill"] <= 0.5, facts["spill"]  # every label inside its box
    for i, a in enumerate(facts["nodes"]):
        for b in facts["nodes"][i + 1 :]:
            overlap_x = min(a[2], b[2]) - max(a[0], b[0])
            overlap_y = min(a[3], b[3]) - max(a[1], b[1])
            assert overlap_x <= 0.5 or overlap_y <= 0.5, (a, b)
    # Struck through: every label line of the refuted H3 and H6, and nothing else.
    struck = " ".join(facts["struck"])
    shown = [n for n in range(1, 9) if f"hypothesis {n}:" in struck]
    assert shown == [3, 6], facts["struck"]
    assert sorted(facts["links"]) == sorted(f"#action-A{i}" for i in range(1, 11))
    colours, share = png_colours(browser.screenshot("figure.chart svg.causal"))
    assert colours >= 6 and share > 0.05, (colours, share)
    assert browser.problems() == []

"""The bundled examples' reports in a real browser (headless Chromium), at 1400 px and 800 px:
no page overflows its main column sideways, and what issue 15 asks a page to show after a
year of nightly runs is on screen: older records folded behind a disclosure with a count,
signed and verified marks, why a stale action is stale, a colour for ``regressed``, tickets
as links, evidently snapshots labelled.

The examples run once (module fixture): every scenario of ``scenarios/`` signed with an HMAC
key, plus INC-1 (the small threshold incident of ``tests/conftest.py``) run three times,
closed, then broken so that it regresses; a file an example's run read is changed so that
its action goes stale.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import POSTMORTEM, SCENARIO
from tests.functional.test_reports_browser import DevTools, browser

from closeout.cli import main

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
WIDTHS = (1400, 800)
TICKETS = "https://tracker.example/browse/{ticket}"
KEY = "layout-test-key"
MLFLOW_DB = "fixtures/INC-2025-071/mlflow/mlflow.db"  # built by make_meter_digits_fixtures.py
LONG = "a1_checkout_error_rate_alert_with_a_long_name_nobody_wraps"  # no space to break at
__all__ = ["browser"]  # the Chromium fixture, shared with test_reports_browser.py


def _run(root: Path, *argv: str) -> int:
    with pytest.MonkeyPatch.context() as patch:
        registry = root / MLFLOW_DB
        if registry.is_file():  # INC-2025-071 loads its models from it (see noxfile.py)
            patch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{registry}")
            patch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
        patch.setenv("CLOSEOUT_ROOT", str(root))
        patch.setenv("CLOSEOUT_SIGNING_KEY", KEY)
        for name in ("CI", "CLOSEOUT_TRIGGER"):
            patch.delenv(name, raising=False)
        return main(list(argv))


def _stale_one_input(root: Path, incident: str) -> str:
    """Change one file the latest run of ``incident`` read; return that file."""
    for record in sorted((root / "reports" / incident / "evidence").glob("*.json")):
        inputs = json.loads(record.read_text()).get("inputs") or {}
        for relative in inputs.get("files") or {}:
            path = root / relative
            if path.is_file() and path.suffix in (".csv", ".yaml", ".yml", ".txt"):
                path.write_bytes(path.read_bytes() + b"\n")
                return relative
    raise AssertionError(f"no run of {incident} read a text file")


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("examples")
    for name in ("scenarios", "examples", "fixtures"):
        shutil.copytree(REPO / name, root / name)
    settings = (REPO / "pyproject.toml").read_text()
    settings = settings.replace("[tool.closeout]\n", f'[tool.closeout]\nticket_url = "{TICKETS}"\n')
    (root / "pyproject.toml").write_text(settings)
    incident = root / "scenarios" / "INC-1"
    incident.mkdir()
    (incident / "postmortem.yaml").write_text(
        POSTMORTEM.replace("    owner: sam\n", "    owner: sam\n    ticket: OPS-77\n")
    )
    (incident / f"{LONG}.yaml").write_text(SCENARIO)
    # Without the MLflow registry (built, not committed) INC-2025-071 is an error (exit 2).
    assert _run(root, "run") in ((0,) if (root / MLFLOW_DB).is_file() else (0, 2))
    for _ in range(2):
        assert _run(root, "run", "INC-1") == 0
    assert _run(root, "close", "INC-1", "A1", "--by", "sam") == 0
    broken = SCENARIO.replace("error_rate > 0.05", "error_rate > 0.1")
    (incident / f"{LONG}.yaml").write_text(broken)
    assert _run(root, "run", "INC-1") == 1
    changed = _stale_one_input(root, "INC-2025-031")
    snapshot = _snapshot_with_html_view(root, "INC-2025-047")
    assert _run(root, "report") == 0
    return {"root": root, "changed": changed, "snapshot": snapshot, "long": LONG}


def _snapshot_with_html_view(root: Path, incident: str) -> str:
    """Write the HTML view beside one evidently snapshot, as ``closeout report --evidently``
    does; return the snapshot's project-relative path."""
    found = sorted((root / "reports" / incident / "artifacts").glob("*-evidently.json"))
    assert found, f"no evidently snapshot among the artifacts of {incident}"
    found[-1].with_suffix(".html").write_text("<!DOCTYPE html><title>evidently</title>")
    return found[-1].relative_to(root).as_posix()


def _pages(root: Path) -> list[Path]:
    reports = root / "reports"
    return [reports / "index.html", *sorted(reports.glob("*/index.html"))]


def _layout(tools: DevTools, width: int) -> dict[str, Any]:
    tools.call(
        "Emulation.setDeviceMetricsOverride",
        width=width,
        height=900,
        deviceScaleFactor=1,
        mobile=False,
    )
    facts: dict[str, Any] = tools.evaluate(
        """(() => {
          const main = document.querySelector('main');
          const box = main.getBoundingClientRect();
          const wide = Array.from(main.querySelectorAll('*'))
            .filter(e => e.getBoundingClientRect().right > box.right + 1)
            .filter(e => !e.closest('.table-wrap, details:not([open])'))
            .slice(0, 5).map(e => e.tagName + '.' + e.className + ': ' + e.textContent.slice(0, 60));
          const wraps = Array.from(document.querySelectorAll('.table-wrap'))
            .filter(w => w.scrollWidth > w.clientWidth + 1)
            .map(w => (w.querySelector('th') || w).textContent + ' ' + w.scrollWidth + '>' + w.clientWidth);
          return {scroll: main.scrollWidth, client: main.clientWidth,
                  page: document.documentElement.scrollWidth, view: window.innerWidth,
                  wide, wraps};
        })()"""
    )
    return facts


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_overflows_its_main_column(
    examples: dict[str, Any], browser: DevTools, width: int
) -> None:
    pages = _pages(examples["root"])
    assert len(pages) == 8  # the archive, six examples and INC-1
    for page in pages:
        browser.open(page.as_uri())
        facts = _layout(browser, width)
        where = f"{page.parent.name}/{page.name} at {width}px"
        assert facts["scroll"] <= facts["client"], (where, facts)
        assert facts["page"] <= facts["view"], (where, facts)
        assert facts["wide"] == [], (where, facts)
        assert facts["wraps"] == [], (where, facts)  # no table scrolls sideways either
    browser.call("Emulation.clearDeviceMetricsOverride")


def _records(root: Path, incident: str) -> list[Path]:
    """The evidence records of ``incident`` (not the folder's hidden index)."""
    folder = root / "reports" / incident / "evidence"
    return [p for p in folder.glob("*.json") if not p.name.startswith(".")]


def _open(tools: DevTools, root: Path, page: str) -> None:
    tools.open((root / "reports" / page).as_uri())


def test_older_records_are_folded_behind_a_disclosure_with_a_count(
    examples: dict[str, Any], browser: DevTools
) -> None:
    root = examples["root"]
    records = _records(root, "INC-1")
    _open(browser, root, "INC-1/index.html")
    facts = browser.evaluate(
        """(() => {
          const heading = Array.from(document.querySelectorAll('h3'))
            .find(h => h.textContent === 'Evidence of A1');
          const shown = heading.nextElementSibling.querySelectorAll('tbody tr').length;
          const folds = Array.from(document.querySelectorAll('details'))
            .filter(d => d.querySelector('summary').textContent.includes('older record'));
          return {shown, folds: folds.map(d => [d.querySelector('summary').textContent,
                  d.open, d.querySelectorAll('tbody tr').length,
                  d.querySelector('table').checkVisibility()])};
        })()"""
    )
    # 4 runs and a closure on disk: what the key table does not show is folded, and counted.
    assert len(records) == 5
    (summary, opened, rows, visible), *more = facts["folds"]
    assert more == []
    assert f"{len(records) - facts['shown']} older record(s)" in summary, facts
    assert rows == len(records) - facts["shown"] and not opened and not visible, facts


def test_every_record_shows_whether_it_is_signed_and_verified(
    examples: dict[str, Any], browser: DevTools
) -> None:
    root = examples["root"]
    _open(browser, root, "INC-1/index.html")
    marks = browser.evaluate(
        """Array.from(document.querySelectorAll('h3 + .table-wrap tbody tr, details tbody tr'))
          .filter(r => r.querySelector('a[href^="evidence/"]'))
          .map(r => Array.from(r.querySelectorAll('.badge')).map(b => b.textContent))"""
    )
    assert len(marks) == len(_records(root, "INC-1")), marks  # folded ones included
    # Every record was signed with the HMAC key the report checks them with.
    assert all(m[-2:] == ["signed ✓ (hmac)", "verified ✓"] for m in marks), marks


def test_a_stale_action_says_why(examples: dict[str, Any], browser: DevTools) -> None:
    root = examples["root"]
    _open(browser, root, "INC-2025-031/index.html")
    states = browser.evaluate(
        """Array.from(Array.from(document.querySelectorAll('table'))
          .find(t => t.querySelector('th').textContent === 'Action')
          .querySelectorAll('tbody tr td:nth-child(7)')).map(td => td.innerText)"""
    )
    assert len(states) == 5, states  # A1..A5 of INC-2025-031
    stale = [text for text in states if text.startswith("stale")]
    assert stale and all(f"{examples['changed']} changed since" in text for text in stale)
    section = browser.evaluate("document.body.innerText")
    assert "Why it is stale" in section


def test_regressed_has_a_colour_of_its_own(examples: dict[str, Any], browser: DevTools) -> None:
    root = examples["root"]
    _open(browser, root, "index.html")
    colours = browser.evaluate(
        """(() => {
          const chip = s => document.querySelector('#incidents .badge.state-' + s);
          const fill = s => document.querySelector('svg rect.state-' + s + '[width]:not([y="30"])');
          const shown = ['regressed', 'stale', 'verified', 'waived'];
          return Object.fromEntries(shown.map(s => [s, [getComputedStyle(chip(s)).backgroundColor,
                                                         fill(s) && fill(s).getAttribute('fill')]]));
        })()"""
    )
    chips = [chip for chip, _ in colours.values()]
    fills = [fill for _, fill in colours.values()]
    assert len(set(chips)) == len(chips) and len(set(fills)) == len(fills), colours
    assert None not in fills, colours  # the action-state bar draws every state it counts
    assert colours["regressed"][0] == "rgb(161, 26, 26)", colours
    tiles = browser.evaluate(
        "Array.from(document.querySelectorAll('.tile span')).map(t => t.textContent)"
    )
    assert "closed actions" in tiles and not any("waived)" in t for t in tiles), tiles


def test_tickets_are_links_on_the_page_the_archive_and_the_markdown(
    examples: dict[str, Any], browser: DevTools
) -> None:
    root = examples["root"]
    url = TICKETS.replace("{ticket}", "OPS-77")
    for page in ("INC-1/index.html", "index.html"):
        _open(browser, root, page)
        assert browser.evaluate(f"document.querySelectorAll('a[href={json.dumps(url)}]').length")
    assert f"[OPS-77]({url})" in (root / "reports" / "INC-1" / "postmortem.md").read_text()


def test_evidently_snapshots_are_labelled_and_their_html_view_linked(
    examples: dict[str, Any], browser: DevTools
) -> None:
    root = examples["root"]
    _open(browser, root, "INC-2025-047/index.html")
    snapshot = examples["snapshot"]
    paragraphs = browser.evaluate(
        "Array.from(document.querySelectorAll('.para')).filter(p => p.querySelector("
        "'a[href$=\"-evidently.json\"]')).map(p => [p.innerText, "
        "Array.from(p.querySelectorAll('a')).map(a => a.getAttribute('href'))])"
    )
    assert paragraphs and all("evidently snapshot" in text for text, _ in paragraphs)
    viewed = [links for _, links in paragraphs if len(links) == 2]
    name = snapshot.rsplit("/", 1)[1]
    assert [links[1].rsplit("/", 1)[1] for links in viewed] == [name.replace(".json", ".html")]

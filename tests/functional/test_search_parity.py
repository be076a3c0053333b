"""`closeout search` and the archive page's script answer every query alike.

The archive holds the bundled example postmortems and generated real-looking ones (inflected
words, shared vocabulary, Unicode text). The same queries (inflections, several words, word
beginnings, Unicode, stop words, empty) go to ``closeout search --json`` and to the page in
headless Chromium; the ranked incident ids must be equal, in order, with scores within 1e-9
and the same snippets (text and marked words). The page's vendored Snowball stemmer is also
compared with ``snowballstemmer`` word by word.

Skipped without a ``chromium`` binary, except under CI=true, where that is a failure.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.conftest import POSTMORTEM
from tests.functional.test_reports_browser import (
    DevTools,
    browser,  # noqa: F401  (the fixture)
)

from closeout.cli import main
from closeout.reports.search_docs import stem, words

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SYSTEMS = ["fraud model", "credit scorer", "churn model", "ranking model", "OCR reader"]
SIGNALS = ["income", "merchant category", "basket size", "session length", "pixel intensity"]
CAUSES = [
    "an upstream team changed the unit of {s} without telling consumers",
    "a late backfill left {s} null for six hours",
    "the drift monitor watched {s} but its threshold was tuned for outages",
    "a vendor SDK upgrade rescaled {s} and the model kept scoring",
    "timezone shifts in the event logs misaligned {s} with labels",
]
EFFECTS = [
    "approvals dropped for one slice of customers",
    "precision regressed on the newest segment",
    "alerts stayed silent while predictions drifted",
    "the reader misread digits on paler scans",
    "latency spiked and timeouts cascaded",
]
ACTIONS = [
    "Alert when {s} drifts beyond its reference range",
    "Add a per-slice evaluation of {s} to the release gate",
    "Contract-test the unit of {s} at ingestion",
    "Replay last quarter's traffic before regressing thresholds",
]
UNICODE = [  # summaries of the first three generated incidents (one astral letter)
    "Überwachung der Eingabedaten fiel aus; café-Bestellungen drifteten",
    "Ωμέγα σήματα: η ροή δεδομένων άλλαξε μονάδες",
    "数据 漂移 after the 東京 region switched encodings; naïve parser misread \U0001d49c-grade rows",
]
QUERIES = [
    # inflections
    "drifting",
    "misreading",
    "alerts",
    "regressed",
    "slices",
    "Drifted",
    # several words (any word matches, all words earn a bonus)
    "model slice regressed",
    "model slice",
    "unit change drift",
    "lipid units mmol",
    "fraud income drift alert",
    # word beginnings
    "dri",
    "misre",
    "thresh",
    "driftin",
    "per-sli",
    # Unicode
    "Überwachung",
    "überwachungs",
    "ΩΜΈΓΑ",
    "数据",
    "naïve \U0001d49c",
    "café",
    # stop words, punctuation, empty, numbers
    "",
    "   ",
    "the of and",
    "!!! ---",
    "210",
    "5h20m",
    "wibblezorp-quux",
]


def _generated(number: int, rng: random.Random) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(POSTMORTEM)
    system, signal = rng.choice(SYSTEMS), rng.choice(SIGNALS)
    effect = rng.choice(EFFECTS)
    data["id"] = f"INC-G{number:02d}"
    data["title"] = f"{system.capitalize()}: {effect}"
    data["severity"] = rng.choice(["SEV1", "SEV2", "SEV3"])
    data["summary"] = (
        f"For {rng.randint(2, 40)} hours the {system} saw {signal} move. {effect.capitalize()}. "
        + " ".join(rng.sample(EFFECTS, 2)).capitalize()
        + "."
    )
    day = 1 + number % 27
    for key in ("started_at", "detected_at", "diagnosed_at", "mitigated_at", "resolved_at"):
        data[key] = str(data[key]).replace("2025-07-01", f"2025-{1 + number % 11:02d}-{day:02d}")
    data["root_causes"][0]["description"] = rng.choice(CAUSES).format(s=signal)
    data["root_causes"][0]["category"] = rng.choice(["technical", "data", "process"])
    data["actions"][0]["title"] = rng.choice(ACTIONS).format(s=signal)
    data["tags"] = rng.sample(["drift", "unit-change", "per-slice", "backfill", "ocr"], 2)
    if number < len(UNICODE):
        data["summary"] = UNICODE[number] + ". " + data["summary"]
    return data


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The bundled examples' postmortems and 36 generated ones, reported."""
    root = tmp_path_factory.mktemp("parity")
    (root / "pyproject.toml").write_text("[tool.closeout]\n")
    for source in sorted((REPO / "scenarios").glob("*/postmortem.yaml")):
        target = root / "scenarios" / source.parent.name / "postmortem.yaml"
        target.parent.mkdir(parents=True)
        shutil.copyfile(source, target)
    rng = random.Random(20261201)
    for number in range(36):
        data = _generated(number, rng)
        folder = root / "scenarios" / data["id"]
        folder.mkdir(parents=True)
        (folder / "postmortem.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CLOSEOUT_ROOT", str(root))
        for name in ("CI", "CLOSEOUT_SIGNING_KEY", "CLOSEOUT_TRIGGER"):
            patch.delenv(name, raising=False)
        assert main(["report"]) == 0
        yield root


def cli_results(
    archive: Path, capsys: pytest.CaptureFixture[str], query: str, *options: str
) -> list[tuple[str, float, list[tuple[str, bool]]]]:
    """(incident, score, snippet runs) of each result of ``closeout search --json``."""
    capsys.readouterr()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CLOSEOUT_ROOT", str(archive))
        assert main(["search", query, "--json", "--limit", "1000", *options]) == 0
    found = []
    for row in json.loads(capsys.readouterr().out)["results"]:
        runs: list[tuple[str, bool]] = []
        if row["snippet"] is not None:
            text, at = row["snippet"]["text"], 0
            for start, end in row["snippet"]["marks"]:
                runs += [(text[at:start], False)] if start > at else []
                runs.append((text[start:end], True))
                at = end
            runs += [(text[at:], False)] if at < len(text) else []
        found.append((row["incident"], row["score"], runs))
    return found


PAGE_RESULTS = """(async () => {
  const q = document.getElementById('q');
  q.value = %s;
  q.dispatchEvent(new Event('input'));
  await new Promise(r => setTimeout(r, 30));
  return Array.from(document.querySelectorAll('#incidents tbody tr[data-i]'))
    .filter(r => !r.hidden)
    .map(r => {
      const line = r.querySelector('.snippet');
      return [r.querySelector('a').textContent,
              r.dataset.score === undefined ? null : Number(r.dataset.score),
              line ? Array.from(line.childNodes).map(n => [n.textContent, n.nodeName === 'MARK'])
                   : []];
    });
})()"""


def page_results(tools: DevTools, query: str) -> list[tuple[Any, ...]]:
    """(incident, score or None, snippet runs) of each row the page shows, in order."""
    return [tuple(row) for row in tools.evaluate(PAGE_RESULTS % json.dumps(query))]


@pytest.fixture(scope="module")
def page(archive: Path, browser: DevTools) -> DevTools:  # noqa: F811
    browser.open((archive / "reports" / "index.html").as_uri())
    return browser


@pytest.mark.parametrize("query", QUERIES)
def test_the_page_ranks_scores_and_cuts_snippets_like_the_cli(
    archive: Path, page: DevTools, capsys: pytest.CaptureFixture[str], query: str
) -> None:
    expected = cli_results(archive, capsys, query)
    shown = page_results(page, query)
    assert [row[0] for row in shown] == [row[0] for row in expected], query
    for (incident, score, runs), (_, page_score, page_runs) in zip(expected, shown, strict=True):
        if query.strip() and expected[0][2]:  # a query with words: scored, with snippets
            assert page_score is not None and abs(page_score - score) <= 1e-9, incident
        assert [tuple(run) for run in page_runs] == runs, (query, incident)
    assert page.problems() == []


def test_inflected_and_multi_word_queries_find_their_incidents(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    found = {q: [r[0] for r in cli_results(archive, capsys, q)] for q in QUERIES}
    assert "INC-2025-031" in found["misreading"] and "INC-2025-071" in found["misreading"]
    assert "INC-2025-047" in found["drifting"]
    assert len(found["model slice regressed"]) >= len(found["model slice"]) >= 2
    assert found["überwachungs"][:1] == found["Überwachung"][:1] == ["INC-G00"]
    assert found["ΩΜΈΓΑ"] == ["INC-G01"] and found["数据"] == ["INC-G02"]
    assert found["wibblezorp-quux"] == []
    assert len(found[""]) == len(found["the of and"]) == len(found["!!! ---"]) == 42


def test_filters_and_typing_give_the_same_answer_on_the_page(
    archive: Path, page: DevTools, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = [r[0] for r in cli_results(archive, capsys, "drift alert", "--severity", "SEV2")]
    page.evaluate(
        "(() => { const s = document.getElementById('severity'); s.value = 'SEV2';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    assert [row[0] for row in page_results(page, "drift alert")] == expected and expected
    page.evaluate(
        "(() => { const s = document.getElementById('severity'); s.value = '';"
        " s.dispatchEvent(new Event('change')); })()"
    )


def test_the_vendored_javascript_stemmer_matches_snowballstemmer(
    archive: Path, page: DevTools
) -> None:
    texts = [p.read_text(encoding="utf-8") for p in (archive / "scenarios").glob("*/*.yaml")]
    vocabulary = sorted({w for text in texts for _, _, w in words(text)})
    vocabulary += ["generously", "skis", "international", "interval", "dying", "news", "inning"]
    assert len(vocabulary) > 1500
    stems = page.evaluate(
        f"(() => {{ const s = new EnglishStemmer(); "
        f"return {json.dumps(vocabulary)}.map(w => s.stemWord(w)); }})()"
    )
    assert stems == [stem(w) for w in vocabulary]

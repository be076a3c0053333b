"""SPEC §14 in the reports: the investigation on both pages, the brief, search and metrics."""

from __future__ import annotations

import json
import re
import shutil
import statistics
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.conftest import POSTMORTEM, SCENARIO, Write

from closeout.cli import main

REPO = Path(__file__).resolve().parents[2]
BUNDLED = sorted(p.parent.name for p in (REPO / "scenarios").glob("*/postmortem.yaml"))
SNAKE = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b")
CAMEL = re.compile(r"\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+){2,}\b")
PATH = re.compile(r"(?:[\w.-]+/)+[\w.-]+\.[A-Za-z]\w*")
CALLABLE = re.compile(r"[\w./-]*[./][\w./-]*:[A-Za-z_]\w*")
TRACEBACK = ("Traceback (most recent call last)", 'File "', ", line ")


# --------------------------------------------------------------------------- the oracle


def _walk(node: Any, key: str, found: set[str]) -> None:
    """Collect, from one scenario's YAML, what a brief must never show."""
    if isinstance(node, dict):
        for child_key, value in node.items():
            if child_key == "series" and isinstance(value, dict):
                for name in value:
                    found |= {str(name), str(name).split("{")[0]}
            _walk(value, str(child_key), found)
    elif isinstance(node, list):
        for item in node:
            _walk(item, key, found)
    elif isinstance(node, str):
        if key in ("expr", "query", "record"):
            found.add(node.strip())
        found |= set(SNAKE.findall(node)) | set(CAMEL.findall(node))
        found |= set(PATH.findall(node)) | set(CALLABLE.findall(node))


def technical_terms(incident: str) -> set[str]:
    """Expressions, metric and alert names, file paths and callables of an incident's
    scenarios, read straight from the YAML (and the rule files they name)."""
    found: set[str] = set()
    for path in (REPO / "scenarios" / incident).glob("*.yaml"):
        if path.name == "postmortem.yaml":
            continue
        data = yaml.safe_load(path.read_text())
        _walk(data, "", found)
        for rules in _rule_files(data):
            if rules.is_file():
                _walk(yaml.safe_load(rules.read_text()), "", found)
    # A metric named by a plain word ("rows") is English too: prose may say it. What must
    # not leak are the machine names, expressions, paths and callables.
    return {term for term in found if len(term) > 3 and not re.fullmatch(r"[a-z]+", term)}


def _rule_files(data: Any) -> Iterator[Path]:
    for holder in (data, data.get("before") or {}):
        value = holder.get("rules_file") if isinstance(holder, dict) else None
        path = value.get("path") if isinstance(value, dict) else value
        if isinstance(path, str):
            yield REPO / path


# --------------------------------------------------------------------------- the brief


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled incidents in a scratch project, reported with --brief (nothing run)."""
    root = tmp_path_factory.mktemp("bundled")
    (root / "pyproject.toml").write_text("[tool.closeout]\n")
    shutil.copytree(REPO / "scenarios", root / "scenarios")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CLOSEOUT_ROOT", str(root))
        assert main(["report", "--brief"]) == 0
    return root


def test_the_oracle_finds_what_it_should() -> None:
    terms = technical_terms("INC-2025-031")
    assert {"intensity_psi", "intensity_psi > 0.1", "DigitReaderDegraded"} <= terms
    assert "fixtures/INC-2025-031/metrics.csv" in terms


@pytest.mark.parametrize("incident", BUNDLED)
def test_a_bundled_brief_holds_no_code_from_its_scenarios(bundled: Path, incident: str) -> None:
    brief = (bundled / "reports" / incident / "brief.md").read_text()
    leaked = sorted(term for term in technical_terms(incident) if term in brief)
    assert not leaked, leaked
    assert not any(marker in brief for marker in TRACEBACK)
    for heading in ("## What happened", "## Impact", "## Where each action stands"):
        assert heading in brief
    title = yaml.safe_load((REPO / "scenarios" / incident / "postmortem.yaml").read_text())
    assert all(a["owner"] in brief for a in title["actions"])


def test_code_pasted_into_the_prose_never_reaches_the_brief(
    project_dir: Path, write: Write
) -> None:
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    expression = "error_rate > 0.05"
    pasted = (
        f"The alert `{expression}` (HighErrorRate) read fixtures/INC-1/rates.csv through "
        "pipeline.features:error_rate. It crashed with\n  Traceback (most recent call last):\n"
        '    File "src/pipeline/features.py", line 12, in error_rate\n'
        "  ZeroDivisionError: division by zero\n  Nobody was paged."
    )
    text = POSTMORTEM.replace(
        "summary: The error rate rose for an hour and nobody was paged.",
        "summary: |\n  " + pasted.replace("\n", "\n  "),
    )
    write("scenarios/INC-1/postmortem.yaml", text)
    assert main(["report", "--brief", "INC-1"]) == 0
    brief = (project_dir / "reports" / "INC-1" / "brief.md").read_text()
    for term in (expression, "error_rate", "fixtures/INC-1/rates.csv", "pipeline.features"):
        assert term not in brief, term
    assert not any(marker in brief for marker in (*TRACEBACK, "ZeroDivisionError"))
    assert "Nobody was paged." in brief and "error rate" in brief


# --------------------------------------------------------------------------- the pages


def test_the_investigation_is_on_both_pages_and_the_diagram_inline(bundled: Path) -> None:
    folder = bundled / "reports" / "INC-2025-031"
    markdown = (folder / "postmortem.md").read_text()
    data = yaml.safe_load((REPO / "scenarios/INC-2025-031/postmortem.yaml").read_text())
    for heading in ("## Investigation", "### Hypotheses", "### Dissent", "### Peer review"):
        assert heading in markdown
    for hypothesis in data["hypotheses"]:
        assert f"| **{hypothesis['id']}** |" in markdown
    page = (folder / "index.html").read_text()
    assert page.count('class="causal"') == 1 and "<script" not in page
    svg = page[page.index('<svg xmlns="http://www.w3.org/2000/svg" class="causal"') :]
    svg = svg[: svg.index("</svg>")]
    refuted = [h for h in data["hypotheses"] if h["status"] == "refuted"]
    struck = re.findall(r'text-decoration="line-through"[^>]*>([^<]*)<', svg)
    assert len(struck) >= len(refuted)
    assert "default-src 'none'" in page and "script-src 'none'" in page
    other = (bundled / "reports" / "INC-2025-052" / "index.html").read_text()
    policy = re.compile(r'Content-Security-Policy" content="([^"]*)"')
    assert policy.findall(page) == policy.findall(other)


# --------------------------------------------------------------------------- search, metrics

INVESTIGATION = """\
evidence:
  - {id: E1, kind: dashboard, title: "Quokka panel of the checkout", team: web}
hypotheses:
  - {id: H1, statement: "the wombat cache served stale thresholds", status: refuted, contradicting: [E1]}
  - {id: H2, statement: "the threshold is too high", status: confirmed, supporting: [E1]}
dissent: [{by: li, view: "the numbat queue hid the errors", response: "no"}]
"""


def incident(write: Write, number: int, extra: str, severity: str = "SEV3") -> None:
    text = POSTMORTEM.replace("INC-1", f"INC-{number}").replace("SEV3", severity)
    write(f"scenarios/INC-{number}/postmortem.yaml", text + extra)


@pytest.mark.parametrize("word", ["quokka", "wombat", "numbat"])
def test_search_finds_hypotheses_evidence_titles_and_dissent(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str], word: str
) -> None:
    incident(write, 1, INVESTIGATION)
    incident(write, 2, "")
    assert main(["report"]) == 0
    capsys.readouterr()
    assert main(["search", word, "--json"]) == 0
    assert [r["incident"] for r in json.loads(capsys.readouterr().out)["results"]] == ["INC-1"]


def _closure_hours(project: Path, incident_id: str) -> float:
    detected = yaml.safe_load(
        (project / "scenarios" / incident_id / "postmortem.yaml").read_text()
    )["detected_at"]
    records = [
        json.loads(p.read_text())
        for p in (project / "reports" / incident_id / "evidence").glob("[!.]*.json")
    ]
    closed = min(r["started_at"] for r in records if r["type"] == "closure")
    moment = datetime.fromisoformat(closed.replace("Z", "+00:00"))
    start = datetime.fromisoformat(str(detected).replace("Z", "+00:00"))
    return (moment - start).total_seconds()


def test_metrics_give_time_to_close_per_action_type_and_the_refuted_share(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    incident(write, 1, INVESTIGATION, "SEV2")
    incident(write, 2, INVESTIGATION.replace("status: refuted", "status: inconclusive"))
    incident(write, 3, "")
    for number in (1, 2):
        write(f"scenarios/INC-{number}/a1.yaml", SCENARIO)
    assert main(["run"]) == 0
    for number in (1, 2):
        assert main(["close", f"INC-{number}", "A1", "--by", "sam"]) == 0
    capsys.readouterr()
    assert main(["metrics", "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    expected = statistics.median([_closure_hours(project_dir, f"INC-{n}") for n in (1, 2)])
    by_type = metrics["overall"]["time_to_close_by_action_type"]
    assert by_type["detect"]["n"] == 2 and by_type["detect"]["median_s"] == pytest.approx(expected)
    assert by_type["process"] == {"n": 0, "median_s": None, "p90_s": None}
    share = metrics["investigation"]["overall"]
    assert share == {
        "incidents_with_hypotheses": 2,
        "with_refuted_hypothesis": 1,
        "refuted_hypothesis_share": 0.5,
    }
    assert metrics["investigation"]["by_severity"]["SEV2"]["refuted_hypothesis_share"] == 1.0
    assert main(["metrics"]) == 0
    text = capsys.readouterr().out
    assert re.search(r"detect\s+\S+ / \S+ \(2\)", text) and re.search(r"all\s+2\s+1\s+50%", text)

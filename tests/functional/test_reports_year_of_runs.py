"""The postmortem page after many runs (issue 15): per scenario the records a state rests on,
older ones folded with a count, signature and verification marks, why an action is stale,
tickets as links, evidently snapshots labelled, and the threshold chart's ticks."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from tests.conftest import SCENARIO, Write

from closeout.cli import main
from closeout.reports.figures import artifacts

TICKET_URL = "https://tracker.example/browse/{ticket}"


def _evidence_section(page: str) -> str:
    return page.split("<h2>Evidence</h2>", 1)[1]


def _records(root: Path) -> list[Path]:
    folder = root / "reports" / "INC-1" / "evidence"
    return sorted(p for p in folder.glob("*.json") if not p.name.startswith("."))


@pytest.mark.slow  # four runs and two reports: about 5 s
def test_older_runs_fold_behind_a_count_and_every_record_shows_its_signature(
    project_dir: Path, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    assert main(["run", "INC-1"]) == 0  # unsigned
    monkeypatch.setenv("CLOSEOUT_SIGNING_KEY", "k1")
    for _ in range(3):
        assert main(["run", "INC-1"]) == 0
    assert main(["report"]) == 0
    page = (project_dir / "reports" / "INC-1" / "index.html").read_text()
    section = _evidence_section(page)
    folded = re.search(r"<summary>A1 · a1: (\d+) older record\(s\)</summary>", section)
    assert folded is not None, section
    # 4 runs; the latest is shown (it is also the proving run): 3 are folded.
    assert len(_records(project_dir)) == 4 and folded[1] == "3"
    assert section.count("signed ✓ (hmac)") == 3 and section.count(">unsigned<") == 1
    assert section.count("verified ✓") == 4
    # Read without the key, a signed record is signed but cannot be checked.
    monkeypatch.delenv("CLOSEOUT_SIGNING_KEY")
    assert main(["report", "INC-1"]) == 0
    section = _evidence_section((project_dir / "reports" / "INC-1" / "index.html").read_text())
    assert section.count("signed, not checked: no key here") == 3


def test_a_changed_record_is_listed_as_counting_for_nothing(
    project_dir: Path, write: Write
) -> None:
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    assert main(["run", "INC-1"]) == 0
    assert main(["run", "INC-1"]) == 0
    first = _records(project_dir)[0]
    first.write_text(first.read_text().replace('"trigger": "manual"', '"trigger": "ci"'))
    assert main(["report"]) == 0
    section = _evidence_section((project_dir / "reports" / "INC-1" / "index.html").read_text())
    tail = section.split("Files that count for nothing", 1)[1]
    assert first.name in tail and "not verified" in tail
    assert "1 file(s) count for nothing" in section


def test_a_stale_action_says_why_in_the_table_and_its_section(
    project_dir: Path, write: Write
) -> None:
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    assert main(["run", "INC-1"]) == 0
    (project_dir / "pyproject.toml").write_text('[tool.closeout]\nevidence_max_age = "1s"\n')
    time.sleep(1.5)
    assert main(["report"]) == 0
    page = (project_dir / "reports" / "INC-1" / "index.html").read_text()
    assert "Why it is stale" in page
    actions = page.split("<th>Owner</th>", 1)[1]  # the actions table
    row = actions.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert "stale" in row and "is older than 1s" in row, row


def test_tickets_link_under_ticket_url_and_stay_text_without(
    project_dir: Path, write: Write
) -> None:
    postmortem = project_dir / "scenarios" / "INC-1" / "postmortem.yaml"
    postmortem.write_text(
        postmortem.read_text().replace("    owner: sam\n", "    owner: sam\n    ticket: OPS 9/1\n")
    )
    assert main(["report"]) == 0
    markdown = (project_dir / "reports" / "INC-1" / "postmortem.md").read_text()
    assert "OPS 9/1" in markdown and "tracker.example" not in markdown
    (project_dir / "pyproject.toml").write_text(f'[tool.closeout]\nticket_url = "{TICKET_URL}"\n')
    assert main(["report"]) == 0
    url = "https://tracker.example/browse/OPS%209%2F1"  # the ticket is one path segment
    markdown = (project_dir / "reports" / "INC-1" / "postmortem.md").read_text()
    page = (project_dir / "reports" / "INC-1" / "index.html").read_text()
    archive = (project_dir / "reports" / "index.html").read_text()
    assert f"[OPS 9/1]({url})" in markdown
    assert page.count(f'<a href="{url}">OPS 9/1</a>') == 2  # actions table and action facts
    assert f'<a href="{url}">OPS 9/1</a>' in archive


def test_evidently_snapshots_are_labelled_as_such() -> None:
    record = {
        "artifacts": [
            "reports/I/artifacts/t-a1-3e22-fixed-evidently.json",
            "reports/I/artifacts/t-a1-3e22-before.svg",
        ]
    }
    shown = artifacts(record)
    assert [(a.kind, a.label) for a in shown] == [
        ("snapshot", "fixed state (evidently snapshot, JSON)"),
        ("image", "pre-fix state"),
    ]
    assert shown[0].html_view == "reports/I/artifacts/t-a1-3e22-fixed-evidently.html"
    assert shown[1].html_view == ""


def test_threshold_chart_ticks_are_round_and_a_lone_sample_is_a_dot(
    project_dir: Path, write: Write
) -> None:
    scenario = (
        SCENARIO.replace('"0.01x11 0.08x11 0.01x11"', '"120 _ 5200 _ _ 4800x8 _ 300 _"')
        .replace("error_rate > 0.05", "error_rate > 5000")
        .replace("error_rate > 0.1", "error_rate > 6000")
        .replace(
            "{alert: HighErrorRate, at: 55m, firing: false}",
            "{alert: HighErrorRate, at: 0s, firing: false}",
        )
        .replace("first_fires_at: 1h15m", "first_fires_at: 5m")
        .replace("interval: 5m\n", "interval: 5m\nlookback: 1m\n")  # a gap stays a gap
    )
    write("scenarios/INC-1/a1.yaml", scenario)
    main(["run", "INC-1"])
    record = json.loads(_records(project_dir)[-1].read_text())
    charts = [project_dir / a for a in record["artifacts"] if a.endswith(".svg")]
    assert charts, record.get("error")
    svg = charts[0].read_text()
    labels = re.findall(r'text-anchor="end">([^<]*)</text>', svg)
    values = [float(v) for v in labels if re.fullmatch(r"-?\d+(\.\d+)?", v)]
    assert values and not any("e+" in v for v in labels), labels
    assert min(values) == 0 and all(v % 1000 == 0 for v in values), labels  # 0, 2000, 4000 ...
    # 120, 5200 and 300 have no finite neighbour: three dots; 4800x8 is one line.
    assert svg.count("<circle") == 3 and svg.count("<polyline") == 1
    times = re.findall(r'text-anchor="middle">([^<]*)</text>', svg)
    # 17 samples 5m apart span 80 minutes; 810 px hold 9 labels: 10 minutes make 8 gaps.
    assert times == ["0s", "10m", "20m", "30m", "40m", "50m", "1h", "1h10m", "1h20m"], times

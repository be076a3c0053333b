"""`closeout report`, `closeout search` and `closeout metrics` through the command line."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import POSTMORTEM, SCENARIO, Write

from closeout import _io as io_module
from closeout import evidence
from closeout.cli import main
from closeout.project import load_project


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def postmortem(ident: str, **changes: str) -> str:
    text = POSTMORTEM.replace("id: INC-1", f"id: {ident}")
    for old, new in changes.items():
        text = text.replace(old.replace("__", " "), new)
    return text


@pytest.fixture
def reported(project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]) -> Path:
    """INC-1 with a discriminating scenario run and A1 closed, then `closeout report`."""
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    assert cli(capsys, "run", "INC-1")[0] == 0
    assert cli(capsys, "close", "INC-1", "A1", "--by", "sam", "--note", "proven")[0] == 0
    code, out, err = cli(capsys, "report")
    assert (code, err) == (0, ""), out
    return project_dir


def test_report_writes_the_postmortem_pages_and_the_archive(
    reported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = reported / "reports" / "INC-1"
    for path in (folder / "postmortem.md", folder / "index.html", reported / "reports/index.html"):
        assert path.is_file() and path.stat().st_mode & 0o777 == 0o644
    assert not list((reported / "reports").rglob(".tmp-*"))
    code, out, _ = cli(capsys, "report", "--json")
    assert code == 0
    assert json.loads(out) == {
        "written": ["reports/INC-1/postmortem.md", "reports/INC-1/index.html"],
        "archive": "reports/index.html",
        "incidents": 1,
        "problems": [],
    }


def test_markdown_has_every_section_the_action_state_and_the_scenario_proof(
    reported: Path,
) -> None:
    text = (reported / "reports" / "INC-1" / "postmortem.md").read_text()
    for heading in (
        "# INC-1: Error rate alert missed an outage",
        "## Summary",
        "## Impact",
        "## Timeline",
        "## Root causes",
        "## Actions",
        "## Evidence",
    ):
        assert f"\n{heading}\n" in f"\n{text}", heading
    assert "| **Detected** | 2025-07-01 02:00 UTC | time to detect | 1h |" in text
    assert "| **Resolved** | 2025-07-01 04:00 UTC | time to resolve | 3h |" in text
    row = next(line for line in text.splitlines() if line.startswith("| [A1](#action-A1)"))
    assert "| ✅ closed |" in row and "sam" in row
    scenario = next(line for line in text.splitlines() if line.startswith("| [a1]("))
    cells = [c.strip() for c in scenario.split(" | ")]
    assert cells[1:5] == ["threshold", "✅ pass", "❌ fail", "✅ yes"]
    assert "HighErrorRate first fires:" in scenario
    assert "- **Closed:**" in text and "by sam: proven" in text


def test_every_link_of_the_markdown_page_resolves(reported: Path) -> None:
    folder = reported / "reports" / "INC-1"
    text = (folder / "postmortem.md").read_text()
    targets = re.findall(r"\]\(([^)#][^)]*)\)", text)
    assert any(t.startswith("evidence/") for t in targets)
    assert any(t.startswith("artifacts/") and t.endswith(".svg") for t in targets)
    assert any(t.endswith("scenarios/INC-1/a1.yaml") for t in targets)
    for target in targets:
        assert (folder / target.replace("%20", " ")).resolve().is_file(), target


def test_html_page_carries_the_same_content_and_the_charts(reported: Path) -> None:
    page = (reported / "reports" / "INC-1" / "index.html").read_text()
    assert '<h3 id="action-A1">A1: Lower the error-rate alert threshold</h3>' in page
    assert '<figure class="chart"><svg' in page  # the incident timeline, drawn in the page
    assert re.search(r'<img src="artifacts/[^"]+-fixed\.svg"', page)
    assert re.search(r'<img src="artifacts/[^"]+-before\.svg"', page)
    assert '<span class="badge good">closed</span>' in page
    archive = (reported / "reports" / "index.html").read_text()
    assert 'href="INC-1/index.html"' in archive and 'data-states="closed"' in archive


def test_report_of_an_unknown_incident_is_a_usage_error(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(capsys, "report", "INC-11")
    assert code == 2 and "no incident 'INC-11' (did you mean 'INC-1'?)" in err
    assert not (project_dir / "reports").exists()


def test_a_broken_postmortem_is_named_and_the_rest_still_rendered(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("scenarios/INC-2/postmortem.yaml", postmortem("INC-2", severity="severty"))
    code, out, err = cli(capsys, "report")
    assert code == 2
    assert "scenarios/INC-2/postmortem.yaml:" in err and "severty" in err
    assert "wrote reports/INC-1/index.html" in out
    archive = (project_dir / "reports" / "index.html").read_text()
    assert "Not included (could not be read)" in archive and "scenarios/INC-2" in archive


def test_html_in_a_title_is_escaped_in_every_output(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile = "<script>alert(1)</script> | *x*"
    write(
        "scenarios/INC-1/postmortem.yaml",
        postmortem("INC-1", **{"title:__Error rate alert missed an outage": f"title: '{hostile}'"}),
    )
    assert cli(capsys, "report")[0] == 0
    for path in ("INC-1/index.html", "index.html", "INC-1/postmortem.md"):
        text = (project_dir / "reports" / path).read_text()
        assert "<script>alert(1)" not in text, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, path


@pytest.fixture
def archive(project_dir: Path, write: Write) -> Path:
    write(
        "scenarios/INC-2/postmortem.yaml",
        postmortem(
            "INC-2",
            **{
                "title:__Error rate alert missed an outage": "title: Income drift went unnoticed",
                "severity:__SEV3": "severity: SEV1",
                "category:__technical": "category: data",
            },
        ),
    )
    write(
        "scenarios/INC-3/postmortem.yaml",
        postmortem(
            "INC-3",
            **{
                "title:__Error rate alert missed an outage": "title: Label delay hid a drop",
                "summary:__The error rate rose": "summary: An income drift and the error rate rose",
            },
        ),
    )
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    return project_dir


def results(out: str) -> list[str]:
    return [row["incident"] for row in json.loads(out)["results"]]


def test_search_ranks_title_matches_first_and_filters(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(capsys, "search", "income drift", "--json")
    assert code == 0 and results(out) == ["INC-2", "INC-3"]
    hits = json.loads(out)["results"]
    assert hits[0]["score"] > hits[1]["score"] > 0
    assert hits[0]["title"] == "Income drift went unnoticed" and hits[0]["severity"] == "SEV1"
    assert results(cli(capsys, "search", "income", "--severity", "SEV3", "--json")[1]) == ["INC-3"]
    assert results(cli(capsys, "search", "income", "--category", "data", "--json")[1]) == ["INC-2"]
    # No query: newest first (same start here, so by id, descending).
    assert results(cli(capsys, "search", "", "--limit", "2", "--json")[1]) == ["INC-3", "INC-2"]
    code, out, _ = cli(capsys, "search", "income drift")
    assert code == 0 and out.splitlines()[0].split() == [
        "score",
        "incident",
        "severity",
        "started",
        "causes",
        "title",
    ]
    assert "2 matching incident(s) (searched 3)" in out
    code, out, _ = cli(capsys, "search", "nothing-like-this")
    assert code == 0 and "no incident matches" in out


def test_search_by_state_uses_the_live_action_states(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert results(cli(capsys, "search", "", "--state", "verified", "--json")[1]) == []
    assert cli(capsys, "run", "INC-1")[0] == 0
    code, out, _ = cli(capsys, "search", "", "--state", "verified", "--json")
    assert code == 0 and results(out) == ["INC-1"]
    assert json.loads(out)["results"][0]["actions"] == "verified 1"


def test_search_usage_errors_exit_2(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "search", "x", "--state", "verifed")
    assert code == 2 and "did you mean 'verified'" in err
    code, _, err = cli(capsys, "search", "x", "--limit", "0")
    assert code == 2 and "--limit 0" in err


def test_search_sees_an_edited_postmortem_without_a_report(
    archive: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    assert results(cli(capsys, "search", "firmware", "--json")[1]) == []
    write(
        "scenarios/INC-1/postmortem.yaml",
        postmortem(
            "INC-1",
            **{
                "title:__Error rate alert missed an outage": "title: Firmware broke the error alert"
            },
        ),
    )
    assert results(cli(capsys, "search", "firmware", "--json")[1]) == ["INC-1"]


def test_search_in_a_real_subprocess_imports_no_pydantic(archive: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "closeout", "search", "income", "--json"],
        cwd=archive,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert results(done.stdout) == ["INC-2", "INC-3"]
    loaded = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert loaded and not loaded & {"pydantic", "pandas", "numpy", "evidently"}


# --------------------------------------------------------------------------- metrics


def record_at(moment: str, record_type: str, incident: str, action: str, **fields: Any) -> str:
    """Write a record stamped ``moment``; its sha256 (what closures and recurrences name)."""
    project = load_project()
    built = evidence.envelope(project, record_type, incident, action)
    built.update(evidence.timestamps(datetime.fromisoformat(moment).astimezone(UTC)))
    built.update(fields)
    path = evidence.write_record(project, built, f"{record_type}-{action}")
    return str(json.loads(path.read_text(encoding="utf-8"))["sha256"])


def closed_at(moment: str, incident: str, action: str, by: str) -> None:
    """A closure at ``moment`` resting on a passing run of the action just before it (SPEC
    §15: a closure that rests on no run counts for nothing)."""
    run = record_at(
        moment, "run", incident, action, scenario="a1", kind="threshold", verdict="pass"
    )
    record_at(moment, "closure", incident, action, by=by, note=None, runs=[run])


@pytest.fixture
def timed_archive(project_dir: Path, write: Write) -> Path:
    """Three incidents with known timestamps, two closures and one recurrence."""
    write(
        "scenarios/INC-2/postmortem.yaml",
        postmortem(
            "INC-2",
            **{
                "severity:__SEV3": "severity: SEV1",
                "category:__technical": "category: data",
                "started_at:__2025-07-01T01:00:00Z": "started_at: 2025-10-05T10:00:00Z",
                "detected_at:__2025-07-01T02:00:00Z": "detected_at: 2025-10-05T10:20:00Z",
                "diagnosed_at:__2025-07-01T02:30:00Z": "diagnosed_at: 2025-10-05T11:20:00Z",
                "mitigated_at:__2025-07-01T03:00:00Z": "mitigated_at: 2025-10-05T12:00:00Z",
                "resolved_at:__2025-07-01T04:00:00Z": "resolved_at: 2025-10-05T20:00:00Z",
                "timeline:\n  - {at: 2025-07-01T01:00:00Z, kind: change, text: deploy}\n"
                "  - {at: 2025-07-01T02:00:00Z, kind: detection, text: support ticket}\n": "",
            },
        )
        + "  - {id: A2, title: t, type: detect, owner: kim, due: 2020-01-01, addresses: [RC1],"
        " success_criteria: s}\n",
    )
    write(
        "scenarios/INC-3/postmortem.yaml",
        postmortem(
            "INC-3",
            **{
                "category:__technical": "category: process",
                "started_at:__2025-07-01T01:00:00Z": "started_at: 2025-10-20T00:00:00Z",
                "detected_at:__2025-07-01T02:00:00Z": "detected_at: 2025-10-20T00:50:00Z",
                "diagnosed_at: 2025-07-01T02:30:00Z\n": "",
                "mitigated_at: 2025-07-01T03:00:00Z\n": "",
                "resolved_at: 2025-07-01T04:00:00Z\n": "",
                "timeline:\n  - {at: 2025-07-01T01:00:00Z, kind: change, text: deploy}\n"
                "  - {at: 2025-07-01T02:00:00Z, kind: detection, text: support ticket}\n": "",
                "success_criteria: fires within 15m of the onset\n": "success_criteria: fires within 15m of the onset\n"
                "    waiver: {reason: no executable check, approved_by: head}\n",
            },
        ),
    )
    closed_at("2025-07-03T02:00:00+00:00", "INC-1", "A1", by="sam")
    failed = record_at(
        "2025-08-01T00:00:00+00:00",
        "run",
        "INC-1",
        "A1",
        scenario="a1",
        kind="threshold",
        verdict="fail",
    )
    record_at("2025-08-01T00:00:00+00:00", "recurrence", "INC-1", "A1", run=failed, scenario="a1")
    closed_at("2025-10-09T10:20:00+00:00", "INC-2", "A1", by="kim")
    return project_dir


def test_metrics_json_matches_values_computed_by_hand(
    timed_archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, "metrics", "--json")
    assert (code, err) == (0, "")
    metrics = json.loads(out)
    overall = metrics["overall"]

    def spread(group: dict[str, Any], name: str) -> tuple[int, float, float]:
        stats = group[name]
        return stats["n"], stats["median_s"], stats["p90_s"]

    # detect: INC-1 1h, INC-2 20m, INC-3 50m -> [1200, 3000, 3600]: median 3000,
    # p90 h = 2*0.9 = 1.8 -> 3000 + 0.8*(3600-3000) = 3480
    assert spread(overall, "time_to_detect") == (3, 3000, pytest.approx(3480))
    # diagnose: INC-1 30m, INC-2 1h -> median 2700, p90 1800 + 0.9*1800 = 3420
    assert spread(overall, "time_to_diagnose") == (2, 2700, pytest.approx(3420))
    # mitigate: INC-1 2h, INC-2 2h
    assert spread(overall, "time_to_mitigate") == (2, 7200, 7200)
    # resolve: INC-1 3h, INC-2 10h -> median 23400, p90 10800 + 0.9*25200 = 33480
    assert spread(overall, "time_to_resolve") == (2, 23400, pytest.approx(33480))
    # close: INC-1/A1 2d, INC-2/A1 4d -> median 3d, p90 2d + 0.9*2d = 3.8d
    assert spread(overall, "time_to_close") == (2, 259200, pytest.approx(328320))
    # actions: two closed, INC-2/A2 open and overdue, INC-3/A1 waived -> 2 / 3
    counts = overall["actions"]
    assert (counts["closed"], counts["open"], counts["overdue"], counts["waived"]) == (2, 1, 1, 1)
    assert overall["closure_rate"] == pytest.approx(2 / 3)
    # one recurrence record over two actions ever closed
    assert (overall["recurrences"], overall["ever_closed"], overall["recurrence_rate"]) == (
        1,
        2,
        pytest.approx(0.5),
    )
    assert list(metrics["by_quarter"]) == ["2025-Q3", "2025-Q4"]
    assert metrics["by_quarter"]["2025-Q4"]["incidents"] == 2
    # SEV3: INC-1 (1h) and INC-3 (50m): median 3300, p90 3000 + 0.9*600 = 3540
    sev3 = metrics["by_severity"]["SEV3"]
    assert spread(sev3, "time_to_detect") == (2, 3300, pytest.approx(3540))
    assert list(metrics["by_category"]) == ["technical", "data", "process"]
    assert metrics["by_category"]["data"]["recurrence_rate"] == 0.0
    assert "linear" in metrics["definitions"]["quantile"]


def test_metrics_text_shows_median_and_p90_per_group(
    timed_archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(capsys, "metrics")
    assert code == 0
    row = next(line for line in out.splitlines() if line.startswith("all "))
    assert row.split()[:6] == ["all", "3", "50m", "/", "58m", "(3)"]
    assert "closure rate" in out and "67%" in out


def test_related_incidents_link_only_when_the_archive_holds_them(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        "scenarios/INC-2/postmortem.yaml",
        postmortem("INC-2") + "related: {recurrence_of: INC-1, incidents: [INC-404]}\n",
    )
    assert cli(capsys, "report")[0] == 0
    text = (project_dir / "reports" / "INC-2" / "postmortem.md").read_text()
    assert "- **Related:** recurrence of [INC-1](../INC-1/postmortem.md), INC-404" in text
    page = (project_dir / "reports" / "INC-2" / "index.html").read_text()
    assert '<a href="../INC-1/index.html">INC-1</a>' in page and 'href="../INC-404' not in page


def test_reporting_one_incident_renders_it_and_any_page_still_missing(
    reported: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("scenarios/INC-2/postmortem.yaml", postmortem("INC-2"))
    code, out, _ = cli(capsys, "report", "INC-1")
    assert code == 0 and "wrote reports/INC-2/index.html" in out
    code, out, _ = cli(capsys, "report", "INC-1", "--json")
    assert json.loads(out)["written"] == ["reports/INC-1/postmortem.md", "reports/INC-1/index.html"]
    assert json.loads(out)["incidents"] == 2


BIDI = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "A1 \u202efdp.exe" reads as "A1 exe.pdf"


def test_bidirectional_overrides_are_written_visibly_in_every_page(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        "scenarios/INC-1/postmortem.yaml",
        POSTMORTEM.replace(
            "title: Error rate alert missed an outage",
            f"title: Error rate alert missed an outage {BIDI}evil\u2066x\u2069",
        ),
    )
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    code, out, err = cli(capsys, "report")
    assert (code, err) == (0, ""), out
    pages = [
        *sorted((project_dir / "reports").rglob("*.md")),
        *(project_dir / "reports").rglob("*.html"),
    ]
    assert len(pages) >= 3
    for page in pages:
        text = page.read_text(encoding="utf-8")
        found = [
            c
            for c in (
                "\u202a",
                "\u202b",
                "\u202c",
                "\u202d",
                BIDI,
                "\u2066",
                "\u2067",
                "\u2068",
                "\u2069",
            )
            if c in text
        ]
        assert not found, f"{page.name} holds {found}"
        assert "\\u202eevil\\u2066x\\u2069" in text, page.name


def test_a_full_disk_is_a_usage_error_naming_the_file(
    project_dir: Path,
    write: Write,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write("scenarios/INC-1/a1.yaml", SCENARIO)

    def full(path: Path, data: bytes, **options: Any) -> None:
        raise io_module.AtomicWriteError("write", OSError(errno.ENOSPC, "No space left on device"))

    monkeypatch.setattr(io_module, "write_bytes", full)
    code, out, err = cli(capsys, "report")
    assert code == 2, out + err
    target = project_dir / "reports/INC-1/postmortem.md"
    assert err == f"closeout: {target}: cannot write: No space left on device\n"
    assert "Traceback" not in out + err


def test_a_symbolic_link_loop_in_the_scenarios_folder_does_not_stop_the_report(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    (project_dir / "scenarios/loop-a").symlink_to("loop-b")
    (project_dir / "scenarios/loop-b").symlink_to("loop-a")
    code, out, err = cli(capsys, "report")
    assert "Traceback" not in out + err and code == 2, out + err
    assert "closeout: scenarios/loop-a: cannot read: Too many levels of symbolic links" in err
    assert (project_dir / "reports/INC-1/index.html").is_file()


def test_a_postmortem_that_is_a_folder_is_named_and_the_others_rendered(
    project_dir: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write("scenarios/INC-2/postmortem.yaml/README.txt", "unpacked by an archive tool\n")
    code, _, err = cli(capsys, "report")
    assert code == 2
    assert "scenarios/INC-2/postmortem.yaml" in err and "directory" in err, err
    assert (project_dir / "reports/INC-1/index.html").is_file()


def _as_nobody(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI as an ordinary user: root reads and writes through any permission bits."""
    prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    command = [*(prefix if os.geteuid() == 0 else []), sys.executable, "-m", "closeout", *args]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOSEOUT_")}
    return subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)


@pytest.fixture
def shared_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """INC-1 and INC-2 in a folder an unprivileged user can read (pytest's own is 0700)."""
    root = Path(tempfile.mkdtemp(prefix="closeout-perm-"))
    root.chmod(0o755)
    # The checkout itself may sit in a folder only root can enter (a 0700 mktemp clone), or
    # the interpreter's own library may (a pyenv Python under /root): then the ordinary user
    # cannot even start closeout, and there is nothing to test.
    probe = _as_nobody(root, "--version")
    unreadable = ("No module named closeout", "error while loading shared libraries")
    if probe.returncode != 0 and any(text in probe.stderr for text in unreadable):
        shutil.rmtree(root)
        pytest.skip("an unprivileged user cannot read this checkout of closeout or its Python")
    try:
        (root / "pyproject.toml").write_text("[tool.closeout]\n")
        for ident in ("INC-1", "INC-2"):
            (root / "scenarios" / ident).mkdir(parents=True)
            (root / "scenarios" / ident / "postmortem.yaml").write_text(postmortem(ident))
        for path in [root, *root.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        yield root
    finally:
        for path in [root, *root.rglob("*")]:
            path.chmod(0o755) if path.is_dir() else None
        shutil.rmtree(root)


@pytest.mark.skipif(os.geteuid() == 0 and shutil.which("setpriv") is None, reason="setpriv")
def test_an_unreadable_incident_folder_is_named_and_the_others_rendered(
    shared_project: Path,
) -> None:
    (shared_project / "reports").mkdir(mode=0o777)
    (shared_project / "reports").chmod(0o777)
    (shared_project / "scenarios/INC-2").chmod(0o000)
    done = _as_nobody(shared_project, "report")
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    assert done.returncode == 2, done.stdout + done.stderr
    assert "closeout: scenarios/INC-2: cannot read: Permission denied; left out" in done.stderr
    assert (shared_project / "reports/INC-1/index.html").is_file()


@pytest.mark.skipif(os.geteuid() == 0 and shutil.which("setpriv") is None, reason="setpriv")
def test_a_read_only_reports_folder_is_a_usage_error(shared_project: Path) -> None:
    (shared_project / "reports").mkdir()
    (shared_project / "reports").chmod(0o555)
    done = _as_nobody(shared_project, "report")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert re.search(
        r"^closeout: .*/reports/INC-1/\S+: cannot write: Permission denied$", done.stderr, re.M
    ), done.stderr

"""``closeout report --evidently`` asks every registered kind for its on-request pages
(``Kind.render_artifacts``, SPEC §12), and ``closeout report`` without the flag asks none and
imports no evidently."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import SCENARIO, Write

from closeout.cli import main
from closeout.kinds import get_kind, kind_names
from closeout.project import Project

ARTIFACTS = "reports/INC-1/artifacts"


@pytest.fixture
def asked(project_dir: Path, write: Write, monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """INC-1 with two artifact files; the threshold kind answers like a kind with pages to
    render, recording the files it was given."""
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    write(f"{ARTIFACTS}/a1-fixed.svg", "<svg/>")
    write(f"{ARTIFACTS}/a1-fixed-evidently.json", "{not json")
    calls: list[list[str]] = []

    def render_artifacts(
        self: object, artifacts: list[Path], project: Project
    ) -> tuple[list[str], list[str]]:
        calls.append([project.display(p) for p in artifacts])
        return [f"{ARTIFACTS}/a1-fixed.html"], ["a1-fixed.svg: not rendered: too plain"]

    monkeypatch.setattr(type(get_kind("threshold")), "render_artifacts", render_artifacts)
    return calls


@pytest.mark.drift
def test_every_kind_is_asked_and_what_it_says_is_reported(
    asked: list[list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert "drift_replay" in kind_names() and "threshold" in kind_names()

    assert main(["report", "--evidently", "INC-1"]) == 2

    out, err = capsys.readouterr()
    assert asked == [[f"{ARTIFACTS}/a1-fixed-evidently.json", f"{ARTIFACTS}/a1-fixed.svg"]]
    assert f"wrote {ARTIFACTS}/a1-fixed.html" in out.splitlines()
    assert "a1-fixed.svg: not rendered: too plain" in err
    # the drift kind, asked too, found the snapshot that is not one
    assert f"{ARTIFACTS}/a1-fixed-evidently.json: not rendered: not an evidently" in err


def test_without_the_flag_no_kind_is_asked(
    asked: list[list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "INC-1"]) == 0
    assert asked == []
    assert "a1-fixed.html" not in capsys.readouterr().out


def test_an_incident_without_artifacts_asks_with_no_files(
    asked: list[list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    (Path(ARTIFACTS) / "a1-fixed.svg").unlink()
    (Path(ARTIFACTS) / "a1-fixed-evidently.json").unlink()
    Path(ARTIFACTS).rmdir()
    assert main(["report", "--evidently"]) == 2  # the stand-in kind still reports a problem
    assert asked == [[]]


def test_report_without_the_flag_imports_no_evidently(project_dir: Path, write: Write) -> None:
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    code = (
        "import sys\n"
        "from closeout.cli import main\n"
        "code = main(['report'])\n"
        "print(code, sorted(m for m in ('evidently', 'pandas', 'scipy') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=project_dir
    )
    assert done.stdout.splitlines()[-1] == "0 []", done.stdout + done.stderr

"""Python tests marked ``@pytest.mark.closeout`` (issue 15), ``python_paths`` under plain
pytest, and the JUnit failure message of a scenario (SPEC §16)."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import SCENARIO, Write

from closeout.cli import main

UNTAGGED = SCENARIO.replace("tags: [regression]\n", "")
FAILING = SCENARIO.replace("first_fires_at: 1h15m", "first_fires_at: 1h10m")
NODE = "tests/test_guard.py::test_guard_holds"
PACKAGE = """\
from pathlib import Path


def healthy() -> bool:
    return (Path(__file__).parent / "state.txt").read_text().strip() == "ok"
"""
TEST = """\
import pytest

from guardpkg import healthy


@pytest.mark.closeout(incident="INC-1", action="A1")
def test_guard_holds():
    assert healthy()
"""


@pytest.fixture
def marked(project_dir: Path, write: Write) -> Iterator[Path]:
    """A project whose A1 has a scenario and a marked test of an uninstalled package (src/)."""
    write("scenarios/INC-1/a1.yaml", UNTAGGED)
    write("src/guardpkg/__init__.py", PACKAGE)
    write("src/guardpkg/state.txt", "ok\n")
    write("tests/test_guard.py", TEST)
    yield project_dir
    # In-process runs import them: the next project's files of the same names are others.
    for name in ("test_guard", "guardpkg"):
        sys.modules.pop(name, None)


def pytest_records(project: Path) -> list[dict]:
    folder = project / "reports" / "INC-1" / "evidence"
    found = [json.loads(p.read_text()) for p in sorted(folder.glob("[!.]*.json"))]
    return [r for r in found if r.get("kind") == "pytest"]


def plain_pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


def test_plain_pytest_imports_the_project_code_from_python_paths(marked: Path) -> None:
    done = plain_pytest(marked, "tests", "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    [record] = pytest_records(marked)
    assert (record["scenario"], record["verdict"]) == (NODE, "pass")


def test_without_python_paths_pytest_cannot_import_it(marked: Path, write: Write) -> None:
    # The control: the same project with python_paths naming another folder fails to import.
    write("pyproject.toml", '[tool.closeout]\npython_paths = ["lib"]\n')
    done = plain_pytest(marked, "tests", "-q")
    assert done.returncode != 0 and "guardpkg" in done.stdout + done.stderr


@pytest.mark.slow
def test_gate_and_recur_rerun_marked_tests_of_closed_actions(
    marked: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--json", "--", "tests"]) == 0
    rows = json.loads(capsys.readouterr().out)["results"]
    assert sorted(r["scenario"] for r in rows) == ["a1", NODE]
    assert main(["close", "INC-1", "A1", "--by", "sam", "--json"]) == 0
    capsys.readouterr()

    assert main(["gate", "--json", "--junitxml", "gate.xml"]) == 0
    rows = json.loads(capsys.readouterr().out)["results"]
    assert sorted(r["scenario"] for r in rows) == ["a1", NODE]
    cases = {c.get("name"): c for c in ET.parse(marked / "gate.xml").getroot().iter("testcase")}
    props = {p.get("name"): p.get("value") for p in cases["test_guard_holds"].iter("property")}
    row = json.loads(props["closeout"])
    assert (row["incident"], row["action"], row["scenario"], row["verdict"]) == (
        "INC-1",
        "A1",
        NODE,
        "pass",
    )

    (marked / "src" / "guardpkg" / "state.txt").write_text("broken\n")
    assert main(["recur", "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["regressed"] == ["INC-1/A1"] and len(document["new_recurrences"]) == 1
    failed = [r for r in document["results"] if r["verdict"] == "fail"]
    assert [r["scenario"] for r in failed] == [NODE]
    # one record per trigger (file names sort by second, so runs in one second may not)
    assert sorted(r["trigger"] for r in pytest_records(marked)) == ["gate", "manual", "scheduled"]


def test_a_marked_test_whose_file_is_gone_is_named_and_left_out(
    marked: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--json", "--", "tests"]) == 0
    assert main(["close", "INC-1", "A1", "--by", "sam", "--json"]) == 0
    (marked / "tests" / "test_guard.py").unlink()
    capsys.readouterr()
    assert main(["gate", "--json"]) == 0
    out, err = capsys.readouterr()
    assert [r["scenario"] for r in json.loads(out)["results"]] == ["a1"]
    assert f"test {NODE}: not found; not re-run" in err


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_the_junit_message_names_the_failing_expectation(
    workers: list[str], project_dir: Path, write: Write
) -> None:
    path = write("scenarios/INC-1/a1.yaml", FAILING)
    line = next(i for i, t in enumerate(FAILING.splitlines(), 1) if "first_fires_at" in t)
    done = plain_pytest(project_dir, "scenarios", "--junitxml=junit.xml", *workers)
    assert done.returncode == 1, done.stdout + done.stderr
    [failure] = ET.parse(project_dir / "junit.xml").getroot().iter("failure")
    first = failure.get("message", "").splitlines()[0]
    # The passing scenario's own expectation says when it really fires: 1h15m.
    assert first.startswith(f"scenarios/INC-1/a1.yaml:{line}: INC-1/A1 a1: ")
    assert "expectation 'HighErrorRate first fires at' failed" in first
    assert "observed 1h15m" in first and "target 1h10m" in first
    assert path.name in (failure.text or "")

"""Tracebacks kept as evidence name project files relative to the project root (issue 15) and
installed packages from ``site-packages/`` on: no temporary folder, the same on every machine."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Write

from closeout.loader import load_scenario
from closeout.models import Outcome
from closeout.project import load_project
from closeout.runner import SideResult, relative_tracebacks, run_loaded


def frame(path: str, line: int = 3) -> str:
    return f'  File "{path}", line {line}, in f\n    raise KeyError("x")\n'


def test_project_and_site_packages_frames_are_shortened_everywhere(tmp_path: Path) -> None:
    root = tmp_path / "project"
    site = "/opt/venv/lib/python3.11/site-packages/pandas/core/frame.py"
    stdlib = "/usr/lib/python3.11/json/decoder.py"
    text = "Traceback (most recent call last):\n" + "".join(
        frame(p) for p in (f"{root}/code/t.py", site, stdlib)
    )
    result = SideResult(
        "fail",
        outcomes=[Outcome(name="x", outcome="fail", observed="o", target="t", detail=text)],
        metrics={"counterexamples": {"x": {"traceback": text, "rows": [1, 2]}}, "n": 3},
        error=f"importing code/t.py raised KeyError('x')\n{text}",
        traceback=text,
    )
    shortened = relative_tracebacks(result, root)
    expected = "Traceback (most recent call last):\n" + "".join(
        frame(p) for p in ("code/t.py", "site-packages/pandas/core/frame.py", stdlib)
    )
    assert shortened.traceback == expected
    assert shortened.error == f"importing code/t.py raised KeyError('x')\n{expected}"
    assert shortened.outcomes[0].detail == expected
    assert shortened.metrics == {
        "counterexamples": {"x": {"traceback": expected, "rows": [1, 2]}},
        "n": 3,
    }


def test_a_path_outside_the_project_that_shares_its_prefix_stays_whole(tmp_path: Path) -> None:
    root = tmp_path / "project"
    text = frame(f"{root}-old/code/t.py")
    assert relative_tracebacks(SideResult("fail", traceback=text), root).traceback == text


CODE = """\
def always_raises(df):
    raise RuntimeError("not implemented yet")
"""

SCENARIO = """\
action: A1
kind: synthetic
function: "mypkg.t:always_raises"
mode: transform
columns:
  income: {dtype: float, min: 0, max: 10}
rows: {min: 1, max: 2}
examples: 3
properties:
  - row_count: preserved
"""


def test_a_subject_imported_from_python_paths_leaves_no_absolute_path(
    project_dir: Path, write: Write
) -> None:
    # python_paths are put on sys.path resolved, so the subject's frames are absolute
    write("pyproject.toml", '[tool.closeout]\npython_paths = ["src"]\n')
    write("src/mypkg/__init__.py", "")
    write("src/mypkg/t.py", CODE)
    path = write("scenarios/INC-1/s.yaml", SCENARIO)
    project = load_project()
    run = run_loaded(load_scenario(project, path), project, with_before=False, isolate=True)
    assert run.verdict == "fail", run.fixed
    record = json.dumps([run.fixed.traceback, run.fixed.metrics, run.fixed.error])
    assert 'File \\"src/mypkg/t.py\\", line 2, in always_raises' in record
    for root in {str(project_dir), str(project_dir.resolve())}:
        assert root not in record
    assert 'File "src/mypkg/t.py"' in run.fixed.outcomes[0].detail

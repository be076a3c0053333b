"""User code that exits, crashes or hangs cannot take a run down: each scenario runs in a
forked child, and whatever the child does, the run is recorded and the exit code says no.

The subject is a synthetic transform in ``checks/subject.py``; what it does is chosen per test
(return its input, ``os._exit(0)``, ``sys.exit(3)``, sleep). A threshold scenario of the same
incident shows that the session goes on and its siblings still pass.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import SCENARIO, Write

from closeout import _forked

pytestmark = pytest.mark.skipif(not _forked.supported(), reason="needs os.fork")

SUBJECTS = {
    "keeps": "    return df\n",
    "exits": "    os._exit(0)\n",
    "leaves": "    sys.exit(3)\n",
    "hangs": "    time.sleep(120)\n    return df\n",
}
SYNTHETIC = """\
action: A1
kind: synthetic
function: "checks/subject.py:transform"
columns:
  income: {dtype: float, min: 0, max: 10}
rows: {min: 1, max: 3}
examples: 3
properties:
  - row_count: preserved
before_unavailable: the transform of the incident was not kept
"""


def subject(write: Write, behaviour: str) -> Path:
    body = "import os\nimport sys\nimport time\n\n\ndef transform(df):\n" + SUBJECTS[behaviour]
    return write("checks/subject.py", body)


def run(project: Path, *args: str, **env: str) -> tuple[int, str]:
    """The real command in its own process, as a user or CI runs it."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CLOSEOUT_", "PYTEST_"))}
    clean.pop("CI", None)
    command = [sys.executable, "-m", "closeout", *args]
    done = subprocess.run(
        command, cwd=project, env=clean | env, capture_output=True, text=True, check=False
    )
    return done.returncode, done.stdout + done.stderr


def record_of(project_dir: Path, scenario: str) -> dict:
    (path,) = sorted((project_dir / "reports/INC-1/evidence").glob(f"*-{scenario}-*.json"))
    return json.loads(path.read_text(encoding="utf-8"))


def test_os_exit_in_the_subject_is_an_error_record_and_exit_2(
    project_dir: Path, write: Write
) -> None:
    subject(write, "exits")
    write("scenarios/INC-1/a1-transform.yaml", SYNTHETIC)
    write("scenarios/INC-1/a1-alert.yaml", SCENARIO)
    code, text = run(project_dir, "run")
    assert code == 2, text
    record = record_of(project_dir, "a1-transform")
    assert record["verdict"] == "error"
    assert "exited with code 0 before the run finished" in record["error"]
    assert record_of(project_dir, "a1-alert")["verdict"] == "pass"  # the session went on
    assert "Traceback" not in text and "/_pytest/" not in text


def test_sys_exit_in_the_subject_is_a_fail_with_its_traceback(
    project_dir: Path, write: Write
) -> None:
    path = subject(write, "leaves")
    write("scenarios/INC-1/a1-transform.yaml", SYNTHETIC)
    code, text = run(project_dir, "run")
    assert code == 1, text
    record = record_of(project_dir, "a1-transform")
    assert record["verdict"] == "fail"
    # named relative to the project root (issue 15), never by its temporary folder
    relative = path.relative_to(project_dir).as_posix()
    assert f'File "{relative}", line 7, in transform\n    sys.exit(3)' in record["traceback"]
    assert str(project_dir) not in record["traceback"]
    assert record["traceback"].rstrip().endswith("SystemExit: 3")
    assert "/_pytest/" not in text and "/pluggy/" not in text


def test_a_hanging_subject_is_stopped_at_the_timeout_and_recorded(
    project_dir: Path, write: Write
) -> None:
    subject(write, "hangs")
    write("scenarios/INC-1/a1-transform.yaml", SYNTHETIC + "timeout: 2s\n")
    code, text = run(project_dir, "run")
    assert code == 2, text
    record = record_of(project_dir, "a1-transform")
    assert record["verdict"] == "error"
    assert "past the scenario's timeout of 2s" in record["error"]
    assert 2 <= record["duration_s"] < 60


def test_gate_and_recur_say_no_when_a_closed_actions_subject_exits(
    project_dir: Path, write: Write
) -> None:
    subject(write, "keeps")
    write("scenarios/INC-1/a1-transform.yaml", SYNTHETIC)
    assert run(project_dir, "run")[0] == 0
    assert run(project_dir, "close", "INC-1", "A1", "--by", "sam")[0] == 0
    subject(write, "exits")
    code, text = run(project_dir, "gate")
    assert code == 2, text
    verdicts = [
        json.loads(p.read_text())["verdict"]
        for p in sorted((project_dir / "reports/INC-1/evidence").glob("*-a1-transform-*.json"))
    ]
    assert "error" in verdicts
    code, text = run(project_dir, "recur")
    assert code == 1, text
    assert "RECURRENCE recorded" in text


def test_a_bad_trigger_is_one_usage_error_not_one_per_scenario(
    project_dir: Path,
    write: Write,
) -> None:
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    write("scenarios/INC-1/a2.yaml", SCENARIO.replace("tags: [regression]\n", ""))
    code, text = run(project_dir, "run", CLOSEOUT_TRIGGER="nightly")
    assert code == 2
    message = "CLOSEOUT_TRIGGER='nightly': must be one of manual, ci, gate, scheduled"
    assert text.count(message) == 1, text
    assert "Traceback" not in text and "UsageError" not in text
    assert not (project_dir / "reports").exists()


def test_a_crashed_xdist_worker_is_named_and_exits_2(project_dir: Path, write: Write) -> None:
    # A project conftest that kills the xdist worker itself, outside the scenario's child.
    write(
        "conftest.py",
        "import os\n\n\ndef pytest_runtest_call(item):\n"
        "    if item.name == 'a1' and os.environ.get('PYTEST_XDIST_WORKER'):\n"
        "        os._exit(1)\n",
    )
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    code, text = run(project_dir, "run", "-n", "1")
    assert code == 2, text
    assert "closeout: scenarios/INC-1/a1.yaml::a1: no result: the process running it ended" in text
    assert "no scenario was run" not in text

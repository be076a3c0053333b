"""Progress on a terminal (SPEC §16): throttled, erased at the end, and nothing without one.

The end-to-end tests run ``closeout run`` on a synthetic scenario whose subject takes 30 ms
per frame, once with a real pseudo-terminal as its stdout and stderr (progress lines drawn)
and once through pipes (not a byte of progress).
"""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.conftest import Write

from closeout import _progress
from closeout.loader import load_scenario
from closeout.project import load_project
from closeout.runner import run_loaded

SAVE, RESTORE, ERASE = "\x1b7", "\x1b8", "\x1b[K"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_line_is_drawn_at_most_every_interval_and_erased_at_the_end(tmp_path: Path) -> None:
    device, clock = tmp_path / "tty", Clock()
    device.touch()
    line = _progress.Line("INC-1/a1: fixed", str(device), interval=0.2, clock=clock)
    line(1, 48, "windows")  # at once: nothing yet, short runs never flash a line
    clock.now += 0.25
    line(12, 48, "windows")
    clock.now += 0.1
    line(13, 48, "windows")  # 0.1 s after the last drawing: skipped
    clock.now += 0.15
    line(20, None, "shrink steps")
    line.close()
    text = device.read_text()
    drawn = re.findall(r"\x1b7\x1b\[\?7l (.*?)\x1b\[K\x1b\[\?7h\x1b8", text)
    assert drawn == ["INC-1/a1: fixed 12/48 windows, 0s", "INC-1/a1: fixed 20 shrink steps, 0s"]
    assert text.endswith(RESTORE + ERASE)  # erased where the cursor was put back


def test_a_line_never_drawn_writes_nothing(tmp_path: Path) -> None:
    device = tmp_path / "tty"
    device.touch()
    line = _progress.Line("x", str(device), clock=Clock())
    line(1, 2, "examples")
    line.close()
    assert device.read_text() == ""


def test_a_terminal_that_cannot_be_opened_stops_the_line_quietly(tmp_path: Path) -> None:
    clock = Clock()
    line = _progress.Line("x", str(tmp_path / "no" / "such" / "tty"), clock=clock)
    clock.now += 1
    line(1, 2, "examples")
    assert line.broken
    line.close()


def test_without_a_terminal_progress_is_a_no_op(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_progress, "_terminal", None)
    opened: list[str] = []
    monkeypatch.setattr(_progress, "Line", lambda *args, **kw: opened.append("line"))
    with _progress.shown("INC-1/a1: fixed") as progress:
        progress(1, 2, "examples")
    _progress.erase()
    assert opened == []


def test_an_xdist_worker_shows_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    _progress.remember()
    try:
        assert _progress.terminal() is None
    finally:
        monkeypatch.delenv("PYTEST_XDIST_WORKER")
        _progress.remember()


def test_the_runner_gives_each_side_the_terminal_line(
    project_dir: Path, write: Write, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    device = tmp_path / "tty"
    device.touch()
    monkeypatch.setattr(_progress, "_terminal", str(device))
    seen: list[str] = []

    class Spy(_progress.Line):
        def __init__(self, label: str, device: str, **options: object) -> None:
            super().__init__(label, device, interval=0.0)
            seen.append(label)

    monkeypatch.setattr(_progress, "Line", Spy)
    write("code/subject.py", SUBJECT)
    path = write("scenarios/INC-1/slow.yaml", SCENARIO.format(examples=3))
    project = load_project()
    run = run_loaded(load_scenario(project, path), project)
    assert run.verdict == "pass" and run.before_verdict == "fail"
    assert seen == ["INC-1/slow: fixed", "INC-1/slow: before"]
    drawn = re.findall(r" (INC-1/slow: \w+ \d+/3 examples)", device.read_text())
    assert "INC-1/slow: fixed 3/3 examples" in drawn and any("before" in d for d in drawn)


SUBJECT = """\
import time

def slow(df):
    time.sleep(0.03)
    return df

def drops(df):
    return df.iloc[1:]
"""

SCENARIO = """\
action: A1
kind: synthetic
function: "code/subject.py:slow"
mode: transform
columns:
  income: {{dtype: float, min: 0, max: 1000}}
rows: {{min: 1, max: 3}}
examples: {examples}
properties:
  - row_count: preserved
before:
  function: "code/subject.py:drops"
"""


CLOSEOUT_RUN = ["-m", "closeout", "run"]
PYTEST = ["-m", "pytest", "-p", "no:cacheprovider", "scenarios"]


def _closeout_run(
    project: Path, on_terminal: bool, args: list[str] = CLOSEOUT_RUN
) -> tuple[str, str]:
    """``closeout run`` (or ``args``) in ``project``: on a pseudo-terminal (all output as one
    text), or through pipes (stdout, stderr)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_XDIST_WORKER", "NO_COLOR")}
    env["TERM"] = "xterm"
    command = [sys.executable, *args]
    if not on_terminal:
        done = subprocess.run(command, cwd=project, env=env, capture_output=True, timeout=120)
        return done.stdout.decode(), done.stderr.decode()
    master, slave = pty.openpty()
    process = subprocess.Popen(command, cwd=project, env=env, stdout=slave, stderr=slave)
    os.close(slave)
    out = bytearray()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:  # the last writer closed the terminal (Linux: EIO)
                break
            if not chunk:
                break
            out += chunk
        elif process.poll() is not None:
            break
    process.wait(timeout=30)
    os.close(master)
    return out.decode(errors="replace"), ""


@pytest.mark.slow
def test_closeout_run_on_a_terminal_shows_progress_and_through_pipes_nothing(
    project_dir: Path, write: Write
) -> None:
    write("code/subject.py", SUBJECT)
    write("scenarios/INC-1/slow.yaml", SCENARIO.format(examples=30))
    shown, _ = _closeout_run(project_dir, on_terminal=True)
    lines = re.findall(r"\x1b7\x1b\[\?7l (INC-1/slow: fixed (\d+)/30 examples)", shown)
    assert len(lines) >= 2, shown  # a second of examples, drawn every 0.2 s at most
    counts = [int(done) for _, done in lines]
    assert counts == sorted(counts) and counts[-1] <= 30
    # erased before pytest writes the item's result where the line was drawn
    assert re.search(r"\x1b8\x1b\[K.*\.", shown)
    assert "1 passed" in shown
    out, err = _closeout_run(project_dir, on_terminal=False)
    assert "1 passed" in out
    for text in (out, err):
        assert "examples" not in text and "\x1b" not in text


@pytest.mark.slow
def test_plain_pytest_on_a_terminal_shows_progress_past_its_capture(
    project_dir: Path, write: Write
) -> None:
    write("code/subject.py", SUBJECT)
    write("scenarios/INC-1/slow.yaml", SCENARIO.format(examples=30))
    # pytest captures the test's output: the line goes to the terminal it was started from
    shown, _ = _closeout_run(project_dir, on_terminal=True, args=PYTEST)
    assert len(re.findall(r"INC-1/slow: fixed \d+/30 examples", shown)) >= 2, shown
    assert "1 passed" in shown

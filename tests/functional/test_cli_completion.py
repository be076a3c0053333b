"""Shell completion (argcomplete): ``closeout st<TAB>`` offers ``status``; the hook prints."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from closeout.cli import main

CLOSEOUT = Path(sys.executable).with_name("closeout")


def complete(line: str, tmp_path: Path) -> list[str]:
    """What argcomplete answers for the command line ``line`` (the cursor at its end), as
    a shell asks it: _ARGCOMPLETE=1, COMP_LINE and COMP_POINT, the answer in a file."""
    answer = tmp_path / "answer"
    env = {
        **os.environ,
        "_ARGCOMPLETE": "1",
        "_ARGCOMPLETE_SHELL": "bash",
        "_ARGCOMPLETE_IFS": "\013",
        "COMP_LINE": line,
        "COMP_POINT": str(len(line)),
        "COMP_TYPE": "9",
        "_ARGCOMPLETE_STDOUT_FILENAME": str(answer),
    }
    done = subprocess.run(
        [str(CLOSEOUT)], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    # bash gets a trailing space after a unique completion (the next word starts there).
    return [word.rstrip() for word in answer.read_text().split("\013")]


def test_a_command_prefix_completes_to_the_command(tmp_path: Path) -> None:
    assert CLOSEOUT.is_file()
    assert complete("closeout st", tmp_path) == ["status"]
    assert set(complete("closeout s", tmp_path)) == {"status", "search", "schema"}


def test_options_and_choices_complete(tmp_path: Path) -> None:
    assert "--format" in complete("closeout gate --f", tmp_path)
    assert complete("closeout gate --format g", tmp_path) == ["github"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_completion_hook_names_closeout(shell: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["completion", shell]) == 0
    out = capsys.readouterr().out
    assert "closeout" in out and "_ARGCOMPLETE" in out


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_bash_hook_is_valid_bash(tmp_path: Path) -> None:
    hook = subprocess.run(
        [str(CLOSEOUT), "completion", "bash"], capture_output=True, text=True, check=True
    ).stdout
    (tmp_path / "hook.sh").write_text(hook)
    checked = subprocess.run(["bash", "-n", str(tmp_path / "hook.sh")], capture_output=True)
    assert checked.returncode == 0, checked.stderr

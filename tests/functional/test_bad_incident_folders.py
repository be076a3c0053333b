"""B18: one bad incident folder is named, and status and gate still serve every other one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from closeout.cli import main

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


@pytest.mark.parametrize(
    ("case", "shown", "good"),
    [
        ("report-folder-name-space", "'INC 9' is not an incident id", "INC-1"),
        ("report-folder-name-cyrillic", "is not an incident id", "INC-1"),
        ("pm-postmortem-is-directory", "not a postmortem file", "INC-2"),
    ],
)
@pytest.mark.parametrize("command", [["status", "--json"], ["gate"]])
def test_status_and_gate_name_the_bad_folder_and_serve_the_rest(
    case: str,
    shown: str,
    good: str,
    command: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = tmp_path / "p"
    shutil.copytree(CORPUS / case, project)
    monkeypatch.chdir(project)
    for name in ("CI", "CLOSEOUT_ROOT", "CLOSEOUT_TRIGGER", "CLOSEOUT_SIGNING_KEY"):
        monkeypatch.delenv(name, raising=False)
    code = main(command)
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert shown in err
    if command[0] == "status":
        assert f'"incident": "{good}"' in out

"""B27: a record that cannot be written (disk full) is a usage-level failure with the disk's
own message, and the run's charts go with it (no orphan artifacts without a record)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import POSTMORTEM, SCENARIO, Write

from closeout import evidence
from closeout.cli import main
from closeout.sealing import EvidenceWriteError


def test_a_full_disk_says_so_exits_2_and_leaves_no_orphan_chart(
    project_dir: Path,
    write: Write,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write("scenarios/INC-1/postmortem.yaml", POSTMORTEM)
    write("scenarios/INC-1/a1.yaml", SCENARIO)

    def full_disk(*args: object, **kwargs: object) -> Path:
        raise EvidenceWriteError("cannot write evidence a1.json: No space left on device")

    monkeypatch.setattr(evidence, "write_record", full_disk)
    code = main(["run", "INC-1"])
    out, err = capsys.readouterr()
    assert code == 2, out + err
    assert "No space left on device" in out + err
    assert "no scenario was run" not in out + err
    assert not list((project_dir / "reports").rglob("*.svg"))

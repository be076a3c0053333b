"""``DriftReplayKind.render_artifacts``: what ``closeout report --evidently`` asks the kind for
(SPEC §12): evidently's HTML page beside each snapshot, only for snapshots, not twice, and a
bad file or a missing evidently said, never raised."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import pytest

from closeout.kinds import get_kind
from closeout.project import Project, load_project

ARTIFACTS = "reports/INC-1/artifacts"


def evidently_snapshot(path: Path) -> Path:
    """A snapshot made by evidently itself (not by closeout), written as evidently dumps it."""
    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from evidently import Report
        from evidently.presets import DataDriftPreset

        reference = pd.DataFrame({"amount": [float(i % 10) for i in range(60)]})
        current = pd.DataFrame({"amount": [float(i % 10) + 5 for i in range(60)]})
        snapshot = Report([DataDriftPreset()]).run(current, reference)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(snapshot.dumps(), encoding="utf-8")
    return path


@pytest.fixture
def project(project_dir: Path) -> Project:
    (project_dir / ARTIFACTS).mkdir(parents=True)
    return load_project()


def test_a_snapshot_becomes_evidently_s_page_beside_it_once(project: Project) -> None:
    snapshot = evidently_snapshot(project.root / ARTIFACTS / "a1-fixed-evidently.json")
    kind = get_kind("drift_replay")

    assert kind.render_artifacts([snapshot], project) == (
        [f"{ARTIFACTS}/a1-fixed-evidently.html"],
        [],
    )
    page = snapshot.with_suffix(".html").read_text(encoding="utf-8")
    assert page.lstrip().startswith("<!DOCTYPE html>") and "amount" in page
    # The page is as new as the snapshot: nothing is rendered again.
    assert kind.render_artifacts([snapshot], project) == ([], [])


def test_other_artifacts_are_left_alone(project: Project) -> None:
    folder = project.root / ARTIFACTS
    others = [folder / "a1-fixed.svg", folder / "a1-fixed-evidently.txt", folder / "a1.json"]
    for path in others:
        path.write_text("{not json", encoding="utf-8")

    assert get_kind("drift_replay").render_artifacts(others, project) == ([], [])
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in others)


def test_a_file_that_is_not_a_snapshot_is_a_problem_and_the_others_still_render(
    project: Project,
) -> None:
    broken = project.root / ARTIFACTS / "a0-fixed-evidently.json"
    broken.write_text("{not json", encoding="utf-8")
    snapshot = evidently_snapshot(project.root / ARTIFACTS / "a1-fixed-evidently.json")

    written, problems = get_kind("drift_replay").render_artifacts([broken, snapshot], project)

    assert written == [f"{ARTIFACTS}/a1-fixed-evidently.html"]
    [problem] = problems
    assert problem.startswith(
        f"{ARTIFACTS}/a0-fixed-evidently.json: not rendered: not an evidently"
    )
    assert not broken.with_suffix(".html").exists()


def test_a_page_newer_than_its_snapshot_is_kept(project: Project) -> None:
    snapshot = project.root / ARTIFACTS / "a1-fixed-evidently.json"
    snapshot.write_text("{not json", encoding="utf-8")  # never read: the page is up to date
    page = snapshot.with_suffix(".html")
    page.write_text("<!DOCTYPE html><title>rendered before</title>", encoding="utf-8")
    later = snapshot.stat().st_mtime_ns + 1_000_000_000
    os.utime(page, ns=(later, later))

    assert get_kind("drift_replay").render_artifacts([snapshot], project) == ([], [])
    assert "rendered before" in page.read_text(encoding="utf-8")


def test_without_evidently_one_problem_names_the_extra(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A None entry in sys.modules makes the import raise ImportError, as when not installed.
    monkeypatch.setitem(sys.modules, "evidently.core.report", None)
    snapshots = [project.root / ARTIFACTS / f"a{i}-fixed-evidently.json" for i in (1, 2)]
    for path in snapshots:
        path.write_text("{}", encoding="utf-8")

    written, problems = get_kind("drift_replay").render_artifacts(snapshots, project)

    assert written == []
    [problem] = problems  # said once, not once per snapshot
    assert problem.startswith("--evidently: rendering evidently's pages needs evidently (")
    assert problem.endswith("): pip install 'closeout[drift]'")

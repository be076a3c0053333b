"""The drift_replay scaffold (``template.yaml``): rendered as ``closeout init`` renders
templates, it is a valid scenario and lint finds nothing but the data it cannot ship."""

from __future__ import annotations

from datetime import date, timedelta
from importlib import resources
from pathlib import Path

from closeout.kinds import get_kind
from closeout.kinds.drift_replay.spec import DriftReplayScenario
from closeout.lint import lint
from closeout.loader import read_raw, validate
from closeout.project import load_project

TODAY = date(2025, 7, 1)
INCIDENT = "INC-9"
FILES = {
    "reference": "fixtures/INC-9/reference.parquet",
    "current": "fixtures/INC-9/incident.parquet",
    "control": "fixtures/INC-9/normal_week.parquet",
}


def render(text: str) -> str:
    """The placeholders ``closeout init`` replaces, with the values it would use on TODAY."""
    values = {
        "__INCIDENT__": INCIDENT,
        "__TODAY__": TODAY.isoformat(),
        "__DUE__": (TODAY + timedelta(days=30)).isoformat(),
    }
    for key, value in values.items():
        text = text.replace(key, value)
    return text


def scaffold(project_dir: Path) -> Path:
    """The incident folder ``closeout init`` would write, with the drift_replay scenario."""
    template = get_kind("drift_replay").template()
    assert template is not None
    postmortem = (resources.files("closeout") / "templates" / "postmortem.yaml").read_text(
        encoding="utf-8"
    )
    folder = project_dir / "scenarios" / INCIDENT
    folder.mkdir(parents=True)
    (folder / "postmortem.yaml").write_text(render(postmortem), encoding="utf-8")
    path = folder / "a1-drift-alert.yaml"
    path.write_text(render(template), encoding="utf-8")
    return path


def test_the_rendered_template_is_a_drift_replay_scenario(project_dir: Path) -> None:
    path = scaffold(project_dir)
    text = path.read_text(encoding="utf-8")
    assert "__" not in text  # every placeholder is replaced
    raw, _ = read_raw(path, "a1-drift-alert.yaml")
    scenario = validate(DriftReplayScenario, raw, "a1-drift-alert.yaml")
    assert scenario.action == "A1" and scenario.onset is not None
    assert scenario.expect.fires_within is not None and scenario.control_quiet()
    assert scenario.before is not None
    assert get_kind("drift_replay").data_files(scenario) == sorted(FILES.values())


def test_lint_finds_only_the_missing_data_files(project_dir: Path) -> None:
    path = scaffold(project_dir)
    project = load_project()
    report = lint(project, [path.parent], today=TODAY)
    found = {(p.severity, p.field, p.message) for p in report.problems}
    assert found == {
        ("error", field, f"file '{relative}' not found") for field, relative in FILES.items()
    }
    # lint reads no data, so files that exist (whatever they hold) leave nothing to report
    for relative in FILES.values():
        (project_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        (project_dir / relative).write_bytes(b"")
    assert lint(project, [path.parent], today=TODAY).problems == []

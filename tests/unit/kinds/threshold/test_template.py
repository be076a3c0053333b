"""``threshold/template.yaml``, what ``closeout init`` scaffolds: lint-clean and real proof."""

from __future__ import annotations

from datetime import date, timedelta
from importlib import resources
from pathlib import Path

from closeout.kinds import get_kind
from closeout.lint import lint
from closeout.loader import load_scenario
from closeout.project import load_project
from closeout.runner import run_loaded

INCIDENT = "INC-2026-007"
TODAY = date(2026, 3, 2)
# The file names `closeout init` writes (closeout.cli.cmd_init).
SCENARIO_FILE = "a1-alert-fires.yaml"
NOTATION_LINE = '  error_rate: "0.01x11 0.08x11 0.01x11"\n'
FILE_LINE = (
    "  # error_rate: {file: fixtures/__INCIDENT__/metrics.csv, timestamp: ts, column: error_rate}\n"
)


def render(text: str) -> str:
    """Fill the placeholders as ``closeout init`` does."""
    values = {
        "__INCIDENT__": INCIDENT,
        "__TODAY__": TODAY.isoformat(),
        "__DUE__": (TODAY + timedelta(days=30)).isoformat(),
    }
    for key, value in values.items():
        text = text.replace(key, value)
    return text


def scaffold(project_dir: Path, scenario: str) -> Path:
    """The incident folder ``closeout init INCIDENT`` would create, with ``scenario`` in it."""
    folder = project_dir / "scenarios" / INCIDENT
    folder.mkdir(parents=True)
    postmortem = resources.files("closeout") / "templates" / "postmortem.yaml"
    (folder / "postmortem.yaml").write_text(render(postmortem.read_text(encoding="utf-8")))
    (folder / SCENARIO_FILE).write_text(render(scenario))
    return folder


def template() -> str:
    text = get_kind("threshold").template()
    assert text is not None
    return text


def test_the_template_is_commented_and_fully_rendered() -> None:
    text = template()
    assert text.startswith("# A `threshold` scenario")
    assert sum(line.lstrip().startswith("#") or " # " in line for line in text.splitlines()) >= 10
    rendered = render(text)
    assert "__" not in rendered and f"fixtures/{INCIDENT}/metrics.csv" in rendered


def test_the_rendered_template_lints_clean_beside_the_postmortem_template(
    project_dir: Path,
) -> None:
    folder = scaffold(project_dir, template())
    report = lint(load_project(), [folder], today=TODAY)
    assert [str(p) for p in report.problems] == []
    assert report.files == 2


def test_the_rendered_template_passes_with_the_fix_and_fails_before_it(project_dir: Path) -> None:
    folder = scaffold(project_dir, template())
    project = load_project()
    result = run_loaded(load_scenario(project, folder / SCENARIO_FILE), project, artifacts=False)
    assert (result.verdict, result.before_verdict) == ("pass", "fail")
    assert result.passed


def test_the_commented_file_series_works_once_uncommented(project_dir: Path) -> None:
    text = template()
    assert NOTATION_LINE in text and FILE_LINE in text
    text = text.replace(NOTATION_LINE, "").replace(FILE_LINE, FILE_LINE.replace("# ", "", 1))
    # The same samples as the notation, 5m apart from the template's start.
    values = [0.01] * 12 + [0.08] * 12 + [0.01] * 12
    rows = [f"{TODAY.isoformat()}T{5 * i // 60:02d}:{5 * i % 60:02d}:00Z" for i in range(36)]
    csv = project_dir / "fixtures" / INCIDENT / "metrics.csv"
    csv.parent.mkdir(parents=True)
    csv.write_text(
        "ts,error_rate\n" + "".join(f"{t},{v}\n" for t, v in zip(rows, values, strict=True))
    )
    folder = scaffold(project_dir, text)
    project = load_project()
    assert [str(p) for p in lint(project, [folder], today=TODAY).problems] == []
    result = run_loaded(load_scenario(project, folder / SCENARIO_FILE), project, artifacts=False)
    assert (result.verdict, result.before_verdict) == ("pass", "fail")

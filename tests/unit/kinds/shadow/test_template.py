"""The ``closeout init`` scaffold of a shadow scenario (``template.yaml``): valid, lint-clean
but for the data it cannot ship, and discriminating once that data is there."""

from __future__ import annotations

from datetime import date, timedelta
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from closeout.kinds import get_kind
from closeout.kinds.shadow.kind import KIND
from closeout.kinds.shadow.spec import ShadowScenario
from closeout.lint import lint
from closeout.loader import load_scenario, read_raw, validate
from closeout.project import Project, load_project
from closeout.runner import run_loaded

INCIDENT = "INC-7"


def render(text: str) -> str:
    """Fill the placeholders as ``closeout init`` does."""
    today = date.today()
    values = {
        "__INCIDENT__": INCIDENT,
        "__TODAY__": today.isoformat(),
        "__DUE__": (today + timedelta(days=30)).isoformat(),
    }
    for key, value in values.items():
        text = text.replace(key, value)
    return text


@pytest.fixture
def scaffold(project_dir: Path) -> Path:
    """A new incident folder holding the rendered postmortem and shadow templates."""
    template = KIND.template()
    assert template is not None
    postmortem = resources.files("closeout") / "templates" / "postmortem.yaml"
    folder = project_dir / "scenarios" / INCIDENT
    folder.mkdir(parents=True)
    (folder / "postmortem.yaml").write_text(render(postmortem.read_text(encoding="utf-8")))
    path = folder / "a1-shadow.yaml"
    path.write_text(render(template))
    return path


def shadow_rows(n: int = 800, seed: int = 3) -> pd.DataFrame:
    """Rows the template's columns describe: production misses positives on ``affected``."""
    rng = np.random.default_rng(seed)
    segment = rng.choice(["affected", "other"], n, p=[0.4, 0.6])
    signal = rng.normal(size=n)
    outcome = (signal + rng.normal(0, 0.2, n) > 0).astype(int)
    fixed = 1 / (1 + np.exp(-2.5 * signal))
    shift = 2.0 * (segment == "affected")
    production = 1 / (1 + np.exp(-(2.5 * signal - shift)))
    return pd.DataFrame(
        {
            "case_id": [f"c{i:04d}" for i in range(n)],
            "segment": segment,
            "outcome": outcome,
            "production_score": production.round(5),
            "fixed_score": fixed.round(5),
        }
    )


def test_rendering_fills_every_placeholder_and_data_lives_under_the_incidents_fixtures() -> None:
    template = get_kind("shadow").template()
    assert template is not None and "fixtures/__INCIDENT__/" in template
    rendered = render(template)
    assert "__" not in rendered
    scenario = validate(ShadowScenario, yaml.safe_load(rendered), "a1-shadow.yaml")
    assert KIND.data_files(scenario) == [f"fixtures/{INCIDENT}/shadow_rows.csv"]
    assert KIND.code_files(scenario, load_project(Path(__file__).parent)) == []


def test_the_rendered_template_is_a_shadow_scenario_that_lint_faults_only_for_its_data(
    scaffold: Path,
) -> None:
    project = load_project()
    raw, _ = read_raw(scaffold, project.display(scaffold))
    assert isinstance(validate(ShadowScenario, raw, project.display(scaffold)), ShadowScenario)
    report = lint(project, [scaffold.parent])
    # A scaffold cannot ship the team's data: the missing data file is the one problem.
    assert [(p.severity, p.field, p.message) for p in report.problems] == [
        ("error", "data", f"file 'fixtures/{INCIDENT}/shadow_rows.csv' not found")
    ]


def test_with_its_data_the_template_is_lint_clean_and_discriminating(
    scaffold: Path, project_dir: Path
) -> None:
    folder = project_dir / "fixtures" / INCIDENT
    folder.mkdir(parents=True)
    shadow_rows().to_csv(folder / "shadow_rows.csv", index=False)
    project: Project = load_project()
    assert lint(project, [scaffold.parent]).problems == []
    result = run_loaded(load_scenario(project, scaffold), project, artifacts=False)
    assert (result.verdict, result.before_verdict) == ("pass", "fail"), result.fixed.outcomes
    assert result.discriminating and result.before is not None
    failed = {o.name for o in result.before.outcomes if o.outcome == "fail"}
    assert failed == {
        "recall [segment=affected] better_than_baseline (by 0.05)",
        "recall [segment=affected] at_least",
    }

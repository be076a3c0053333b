"""Lint's static checks of a shadow scenario: each mistake is found before anything runs."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from tests.conftest import Write
from tests.unit.kinds.shadow.cases import run, scenario

from closeout.errors import ScenarioError
from closeout.loader import load_scenario
from closeout.project import load_project


def test_missing_module_names_it_and_suggests_close_names(
    data: pd.DataFrame, write: Write, package: str
) -> None:
    text = scenario(f'{{callable: "{package}.chrun:predict_v2"}}')
    with pytest.raises(ScenarioError) as caught:
        run(write, text)
    message = str(caught.value)
    assert "shadow.yaml:7: candidate.callable" in message
    assert f"module '{package}.chrun' not found" in message and "did you mean 'churn'" in message
    with pytest.raises(
        ScenarioError, match=r"'predict_v3' is not defined in .*did you mean 'predict_v2'"
    ):
        run(write, scenario(f'{{callable: "{package}.churn:predict_v3"}}'))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("data: fixtures/INC-1/traffic.csv", "data: fixtures/INC-1/trafic.csv"),
            "file 'fixtures/INC-1/trafic.csv' not found",
        ),
        (
            ("data: fixtures/INC-1/traffic.csv", "data: ../outside.csv"),
            "resolves outside the project root",
        ),
        (("metric: roc_auc", "metric: roc_acu"), "'roc_acu' is not one of"),
        (("metric: roc_auc", "metric: mae"), "'mae' does not apply to task: binary"),
        (
            (
                "metric: agreement\n    at_least: 0.5",
                "metric: agreement\n    non_inferior: {margin: 0.1}",
            ),
            "use at_least or at_most",
        ),
        (
            ("task: binary", "task: regression\ndecision_threshold: 0.3"),
            "applies to task: binary only",
        ),
        (("bootstrap: {resamples: 400}", "bootstrap: {resamples: 10}"), "must be at least 100"),
        (("bootstrap: {resamples: 400}", "bootstrap: {resample: 400}"), "did you mean 'resamples'"),
        (
            ("  - metric: agreement\n    at_least: 0.5\n", "  - metric: agreement\n"),
            "give at least one of",
        ),
        (
            ("  candidate: {column: prod_score}", "  candidate: {colum: prod_score}"),
            "predictions are {column: name}",
        ),
        (
            ("  candidate: {column: prod_score}", "  baseline: {column: prod_score}"),
            "before may hold only the subject 'candidate'",
        ),
        (
            ("  candidate: {column: prod_score}", '  candidate: {callable: "tools/none.py:f"}'),
            "file 'tools/none.py' not found",
        ),
        (
            ("  candidate: {column: prod_score}", '  candidate: {callable: "not a ref"}'),
            "is not a callable reference",
        ),
        (("baseline: {column: prod_score}", "baseline: {column: churned}"), "is the label column"),
    ],
)
def test_lint_catches_mistakes_statically(
    data: pd.DataFrame, write: Write, change: tuple[str, str], message: str
) -> None:
    text = scenario("{column: v2_score}").replace(*change)
    assert text != scenario("{column: v2_score}")
    project = load_project()
    with pytest.raises(ScenarioError, match=re.escape(message)):
        load_scenario(project, write("scenarios/INC-1/shadow.yaml", text))

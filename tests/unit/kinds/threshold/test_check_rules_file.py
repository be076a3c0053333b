"""``threshold.check`` on scenarios whose subject is a ``rules_file``: every mistake located
(in the scenario, or in the rule file), and lint's note on the engine each state uses."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.conftest import Write

from closeout.errors import ScenarioError
from closeout.kinds.threshold.check import engine_notes
from closeout.loader import load_scenario, locate, read_raw
from closeout.project import load_project

RULES = """\
groups:
  - name: scorer
    rules:
      - record: job:errors:ratio5m
        expr: sum by (job) (rate(errors_total{code="500"}[5m])) / sum by (job) (rate(errors_total[5m]))
      - alert: ScorerErrors
        expr: job:errors:ratio5m > 0.05
        for: 5m
        labels: {severity: page}
      - alert: ScorerDown
        expr: up == 0
"""

SCENARIO = """\
action: A1
kind: threshold
interval: 1m
series:
  'errors_total{job="s",code="200"}': "0+100x60"
  'errors_total{job="s",code="500"}': "0+1x30 30+20x30"
rules_file: monitoring/alerts.yml
alerts: [ScorerErrors]
expect:
  - {alert: ScorerErrors, at: 25m, firing: false}
  - {alert: ScorerErrors, at: 50m, firing: true, labels: {job: s, severity: page}}
"""

needs_promtool = pytest.mark.skipif(shutil.which("promtool") is None, reason="no promtool")


def problems(write: Write, scenario: str, rules: str = RULES) -> list[str]:
    write("monitoring/alerts.yml", rules)
    path = write("scenarios/INC-1/a1.yaml", scenario)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(load_project(), path)
    return [str(p) for p in caught.value.problems]


def test_a_valid_rules_file_scenario_loads(project_dir: Path, write: Write) -> None:
    write("monitoring/alerts.yml", RULES)
    loaded = load_scenario(load_project(), write("scenarios/INC-1/a1.yaml", SCENARIO))
    assert loaded.kind.data_files(loaded.model) == ["monitoring/alerts.yml"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "alerts: [ScorerErrors]",
            "alerts: [ScorerEror]",
            "a1.yaml:8: alerts[0]: no alert 'ScorerEror' in monitoring/alerts.yml "
            "(did you mean 'ScorerErrors'?); alerts: ScorerErrors, ScorerDown",
        ),
        (
            "{alert: ScorerErrors, at: 25m",
            "{alert: ScorerDown, at: 25m",
            "a1.yaml:10: expect[0].alert: alert 'ScorerDown' is not under test; alerts: "
            "ScorerErrors",
        ),
        (
            "rules_file: monitoring/alerts.yml",
            "rules_file: ../alerts.yml",
            "a1.yaml:7: rules_file: '../alerts.yml' resolves outside the project root (",
        ),
        (
            "rules_file: monitoring/alerts.yml",
            "rules_file: {path: monitoring/alerts.yml, rev: v1.4.0, setup: make monitoring}",
            "a1.yaml:7: rules_file: 'monitoring' is not inside a git repository, so revision "
            "'v1.4.0' of 'monitoring/alerts.yml' cannot be read; create it with `make monitoring`",
        ),
        (
            "rules_file: monitoring/alerts.yml",
            "rules_file: {path: monitoring/alerts.yml, rev: --all}",
            "a1.yaml:7: rules_file.rev: '--all' is not a git revision (a tag, branch or commit "
            "like v1.4.0 or HEAD~1)",
        ),
        (
            "rules_file: monitoring/alerts.yml",
            "rules_file: monitoring/alerts.yml\nrules: [{alert: A, expr: x > 1}]",
            "a1.yaml:7: rules_file: give either rules or rules_file, not both",
        ),
        (
            "rules_file: monitoring/alerts.yml\n",
            "",
            "a1.yaml:1: give the rules under test: `rules` (inline) or `rules_file`",
        ),
        (
            "interval: 1m",
            "interval: 1m\nengine: closeout",
            "a1.yaml:4: engine: engine: closeout cannot evaluate these rules: ScorerErrors uses "
            "the recording rule 'job:errors:ratio5m'",
        ),
        (
            "interval: 1m",
            "interval: 1m\nlookback: 10m",
            "a1.yaml:4: lookback: ScorerErrors uses the recording rule 'job:errors:ratio5m', and "
            "promtool always looks back 5m (lookback is 10m): use lookback: 5m",
        ),
        (
            "interval: 1m",
            "interval: 1m\nengine: fast",
            "a1.yaml:4: engine: 'fast' is not one of auto, closeout, promtool",
        ),
    ],
)
def test_each_scenario_mistake_names_its_line(
    project_dir: Path, write: Write, old: str, new: str, expected: str
) -> None:
    assert old in SCENARIO
    found = problems(write, SCENARIO.replace(old, new))
    assert any(p.startswith(f"scenarios/INC-1/{expected}") for p in found), found


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("groups:\n", "groupz:\n", "monitoring/alerts.yml:1: not a Prometheus rule file"),
        ("        for: 5m\n", "        for: 5 minutes\n", "monitoring/alerts.yml:8: groups[0]"),
        ("    rules:\n", "    interval: 30s\n    rules:\n", "a1.yaml:3: interval: group 'scorer'"),
    ],
)
def test_each_rule_file_mistake_names_its_line(
    project_dir: Path, write: Write, old: str, new: str, expected: str
) -> None:
    found = problems(write, SCENARIO, RULES.replace(old, new))
    assert any(expected in p for p in found), found


@needs_promtool
@pytest.mark.promtool
def test_promql_that_does_not_parse_is_located_with_promtools_message(
    project_dir: Path, write: Write
) -> None:
    broken = RULES.replace("job:errors:ratio5m > 0.05", "job:errors:ratio5m > > 0.05")
    (found,) = problems(write, SCENARIO, broken)
    assert found.startswith(
        'monitoring/alerts.yml:7: promtool check rules: group "scorer", rule 2, "ScorerErrors": '
        "could not parse expression: 1:22: parse error: unexpected"
    )


def test_before_may_hold_rules_or_rules_file_and_nothing_else(
    project_dir: Path, write: Write
) -> None:
    write("monitoring/alerts.yml", RULES)
    text = SCENARIO + "before:\n  rules: [{alert: ScorerErrors, expr: 'errors_total > 1e9'}]\n"
    load_scenario(load_project(), write("scenarios/INC-1/a1.yaml", text))
    bad = SCENARIO + "before:\n  rules_file: monitoring/alerts.yml\n  interval: 5m\n"
    assert problems(write, bad) == [
        "scenarios/INC-1/a1.yaml:14: before.interval: 'interval' cannot be overridden: before "
        "may hold only the subject 'rules' or 'rules_file'"
    ]


def notes(write: Write, scenario: str) -> list[str]:
    project = load_project()
    path = write("scenarios/INC-1/a1.yaml", scenario)
    loaded = load_scenario(project, path)
    raw, _ = read_raw(path, loaded.display)
    return [
        str(p)
        for p in engine_notes(loaded.model, project, lambda loc: locate(raw, loc, loaded.display))
    ]


def test_lint_notes_say_which_engine_each_state_uses(
    project_dir: Path, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    write("monitoring/alerts.yml", RULES)
    text = SCENARIO + "before:\n  rules: [{alert: ScorerErrors, expr: 'errors_total > 1e9'}]\n"
    monkeypatch.setenv("CLOSEOUT_PROMTOOL", "/bin/true")
    assert notes(write, text) == [
        "scenarios/INC-1/a1.yaml:7: info: engine: promtool (ScorerErrors uses the recording rule "
        "'job:errors:ratio5m')",
        'scenarios/INC-1/a1.yaml:13: info: before: engine: promtool (series \'errors_total{job="s",'
        'code="200"}\' has labels)',
    ]
    monkeypatch.setenv("CLOSEOUT_PROMTOOL", str(project_dir / "missing"))
    assert notes(write, SCENARIO)[0].endswith("; promtool is not on PATH, so it cannot run here")


def test_scenarios_with_inline_rules_get_no_note(project_dir: Path, write: Write) -> None:
    from tests.conftest import SCENARIO as INLINE

    assert notes(write, INLINE) == []


def test_closeout_lint_prints_the_engine_note_without_counting_it(
    project_dir: Path,
    write: Write,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tests.conftest import POSTMORTEM

    from closeout.cli import main

    write("scenarios/INC-1/postmortem.yaml", POSTMORTEM)
    write("monitoring/alerts.yml", RULES)
    write("scenarios/INC-1/a1.yaml", SCENARIO)
    monkeypatch.setenv("CLOSEOUT_PROMTOOL", "/bin/true")
    code = main(["lint", "--strict", "scenarios"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert "scenarios/INC-1/a1.yaml:7: info: engine: promtool" in out + err
    assert "0 error(s), 0 warning(s)" in out + err

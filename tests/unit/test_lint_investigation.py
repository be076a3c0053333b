"""``closeout lint`` on the investigation: SPEC §14 warnings and ``[tool.closeout.policy]``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import POSTMORTEM, SCENARIO

from closeout.cli import main
from closeout.errors import UsageError
from closeout.policy import Policy, parse_policy, present
from closeout.project import load_project

EVIDENCE = """\
evidence:
  - {id: E1, kind: dashboard, title: "Error rate panel", team: checkout}
  - {id: E2, kind: log, title: "deploy log", team: platform}
"""
HYPOTHESES = """\
hypotheses:
  - {id: H1, statement: "the threshold is too high", status: confirmed, supporting: [E1]}
  - {id: H2, statement: "the pager was muted", status: open}
"""


def lint(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict[str, object]]]:
    code = main(["lint", "--json", *args])
    return code, json.loads(capsys.readouterr().out)["problems"]


@pytest.fixture
def project(project_dir: Path) -> Path:
    (project_dir / "scenarios/INC-1/a1.yaml").write_text(SCENARIO)
    return project_dir


def postmortem(project: Path, text: str) -> str:
    (project / "scenarios/INC-1/postmortem.yaml").write_text(text)
    return text


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_a_postmortem_without_an_investigation_gets_no_new_warning(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert lint(capsys) == (0, [])


def test_the_three_spec_warnings_at_their_lines(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = postmortem(project, POSTMORTEM.replace("SEV3", "SEV2") + EVIDENCE)
    code, found = lint(capsys)
    assert code == 0
    by_message = {str(p["message"]): p for p in found}
    known = by_message["root cause RC1 is `known` but cites no evidence"]
    assert (known["severity"], known["line"]) == ("warning", line_of(text, "{id: RC1"))
    few = by_message["a SEV2 postmortem should test at least 2 hypotheses (it has 0)"]
    assert (few["severity"], few["line"]) == ("warning", line_of(text, "severity:"))
    text = postmortem(project, POSTMORTEM.replace("SEV3", "SEV2") + EVIDENCE + HYPOTHESES)
    code, found = lint(capsys)
    messages = {str(p["message"]): p["line"] for p in found}
    assert messages["hypothesis H2 is still open in a published postmortem"] == line_of(
        text, "{id: H2"
    )
    assert not any("should test at least" in m for m in messages)


def test_one_hypothesis_on_a_sev1_is_a_warning_and_strict_makes_it_an_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = HYPOTHESES.split("  - {id: H2")[0]
    text = postmortem(project, POSTMORTEM.replace("SEV3", "SEV1") + EVIDENCE + one)
    code, found = lint(capsys)
    few = [p for p in found if "at least 2 hypotheses (it has 1)" in str(p["message"])]
    assert code == 0 and few and few[0]["line"] == line_of(text, "hypotheses:")
    code, _ = lint(capsys, "--strict")
    assert code == 2


def test_warnings_stay_away_from_sev3_drafts_and_cited_causes(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cited = POSTMORTEM.replace("status: published", "status: draft").replace(
        "description: alert threshold too high}",
        "description: alert threshold too high, evidence: [E1]}",
    )
    postmortem(project, cited + EVIDENCE + HYPOTHESES.split("  - {id: H2")[0])
    assert lint(capsys) == (0, [])


def test_the_policy_makes_missing_sections_errors_for_its_severities(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pyproject.toml").write_text(
        "[tool.closeout]\n\n[tool.closeout.policy]\n"
        'SEV3 = ["facilitator", "reviewers", "limitations", "timeline"]\n'
        'SEV1 = ["hypotheses"]\n'
    )
    text = postmortem(project, POSTMORTEM)
    code, found = lint(capsys)
    errors = {(p["field"], p["line"]) for p in found if p["severity"] == "error"}
    severity_line = line_of(text, "severity:")
    expected = {(s, severity_line) for s in ("facilitator", "reviewers", "limitations")}
    assert code == 2 and errors == expected  # the timeline is there; SEV1 does not apply
    assert all("[tool.closeout.policy] requires it for SEV3" in str(p["message"]) for p in found)
    postmortem(
        project,
        POSTMORTEM
        + "facilitator: ana\nlimitations: none known\n"
        + "reviewers: [{name: sam, at: 2025-07-10, verdict: approved}]\n",
    )
    assert lint(capsys) == (0, [])


def test_an_empty_section_does_not_satisfy_the_policy(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.closeout]\n[tool.closeout.policy]\nSEV3 = ["hypotheses", "limitations"]\n'
    )
    postmortem(project, POSTMORTEM + "hypotheses: []\nlimitations: '  '\n")
    code, found = lint(capsys)
    assert code == 2 and {p["field"] for p in found if p["severity"] == "error"} == {
        "hypotheses",
        "limitations",
    }


@pytest.mark.parametrize(
    ("table", "line", "message"),
    [
        (
            'SEV1 = ["facilitator", "reviwers"]',
            3,
            "SEV1: unknown section 'reviwers' (did you mean 'reviewers'?)",
        ),
        (
            'sev1 = ["facilitator"]',
            3,
            "sev1: unknown severity (did you mean 'SEV1'?); severities: SEV1, SEV2, SEV3, SEV4",
        ),
        ('SEV2 = "facilitator"', 3, "SEV2: must be a list of section names"),
        ('SEV2 = ["facilitator"]\nSEV3 = [1]', 4, "SEV3: must be a list of section names"),
    ],
)
def test_a_bad_policy_is_a_usage_error_at_its_line(
    project: Path, table: str, line: int, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pyproject.toml").write_text(f"[tool.closeout]\n[tool.closeout.policy]\n{table}\n")
    with pytest.raises(UsageError) as caught:
        load_project()
    assert str(caught.value) == f"pyproject.toml:{line}: [tool.closeout.policy] {message}"
    assert main(["lint"]) == 2
    assert f"pyproject.toml:{line}:" in capsys.readouterr().err


def test_an_inline_policy_table_is_read_too() -> None:
    source = '[tool.closeout]\npolicy = {SEV1 = ["facilitatr"]}\n'
    with pytest.raises(UsageError, match=r"^pyproject.toml:2: .*did you mean 'facilitator'"):
        parse_policy({"SEV1": ["facilitatr"]}, "pyproject.toml", source)
    with pytest.raises(UsageError, match="must be a table"):
        parse_policy(["SEV1"], "pyproject.toml", source)
    assert parse_policy({}, "pyproject.toml", source) == Policy()


def test_present_means_not_missing_and_not_empty() -> None:
    class Fake:
        def __init__(self) -> None:
            self.facilitator = "ana"
            self.limitations = " "
            self.hypotheses: list[str] = []
            self.risk = None

    assert present(Fake(), "facilitator")
    assert not present(Fake(), "limitations")
    assert not present(Fake(), "hypotheses")
    assert not present(Fake(), "risk")

"""SPEC §14 sections of the postmortem: validation with ``file:line``, the schema, the scaffold."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest
from tests.conftest import POSTMORTEM

from closeout import policy
from closeout.errors import ScenarioError
from closeout.loader import load_postmortem
from closeout.models import Postmortem
from closeout.models.investigation import PARTICIPANT_ROLES, Hypothesis
from closeout.project import Project
from closeout.schema import json_schema

INVESTIGATION = """\
facilitator: ana.ruiz
participants:
  - {name: maria.lopez, role: ml_research}
  - {name: li.wei, role: data_engineering}
evidence:
  - {id: E1, kind: dashboard, title: "Approval rate panel", url: "https://grafana.example/d/abc", team: risk-ml}
  - {id: E2, kind: log, title: "payments-api deploy log", team: payments}
hypotheses:
  - {id: H1, statement: "income unit changed upstream", status: confirmed, supporting: [E2], root_causes: [RC1]}
  - {id: H2, statement: "retraining picked stale labels", status: refuted, contradicting: [E1]}
dissent: [{by: li.wei, view: "the check belongs upstream", response: "both", about: H1}]
assumptions: ["no other consumer reads income"]
reviewers: [{name: sam.k, at: 2025-07-10, verdict: approved, note: "checked"}]
slos: [{sli: approval_rate, objective: ">= 0.62 daily", breached: true}]
"""
SECTIONS = ("facilitator", "participants", "evidence", "hypotheses", "dissent")
SECTIONS += ("assumptions", "reviewers", "slos")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenarios" / "INC-1" / "postmortem.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as caught:
        load_postmortem(Project(root=tmp_path), path)
    return [str(p) for p in caught.value.problems]


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line holding the ``occurrence``-th ``needle``, found by reading the text."""
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    return lines[occurrence - 1]


def test_a_postmortem_with_every_section_loads(tmp_path: Path) -> None:
    text = POSTMORTEM + INVESTIGATION
    pm, _ = load_postmortem(Project(root=tmp_path), write(tmp_path, text))
    assert pm.facilitator == "ana.ruiz"
    assert [h.status for h in pm.hypotheses] == ["confirmed", "refuted"]
    assert pm.hypotheses[0].supporting == ["E2"] and pm.hypotheses[1].contradicting == ["E1"]
    assert pm.reviewers[0].at.isoformat() == "2025-07-10" and pm.slos[0].breached is True
    assert pm.dissent[0].about == "H1" and pm.participants[1].role == "data_engineering"


def test_root_causes_gain_level_and_evidence_and_scope_gains_uri(tmp_path: Path) -> None:
    text = (POSTMORTEM + INVESTIGATION).replace(
        "description: alert threshold too high}",
        "description: alert threshold too high, level: systemic, evidence: [E1, E2]}",
    )
    text += "scope: {models: [{name: scorer, version: '4', uri: 'models:/scorer/4'}]}\n"
    pm, _ = load_postmortem(Project(root=tmp_path), write(tmp_path, text))
    assert pm.root_causes[0].level == "systemic" and pm.root_causes[0].evidence == ["E1", "E2"]
    assert pm.scope is not None and pm.scope.models[0].uri == "models:/scorer/4"


@pytest.mark.parametrize(
    ("broken", "needle", "message"),
    [
        ("supporting: [E2]", "supporting: [E2, E7]", r"supporting\[1\]: no evidence 'E7'"),
        ("contradicting: [E1]", "contradicting: [E01]", r"no evidence 'E01'"),
        ("root_causes: [RC1]", "root_causes: [RC2]", r"root_causes\[0\]: no root cause 'RC2'"),
        ("about: H1", "about: H9", r"about: no hypothesis, root cause or action 'H9'"),
        ("role: ml_research", "role: ml_reseach", r"did you mean 'ml_research'"),
        ('url: "https://grafana.example/d/abc"', 'url: "javascript:alert(1)"', "http"),
        ("verdict: approved", "verdict: lgtm", "approved, changes_requested, rejected"),
        ("kind: log", "kind: logs", "did you mean 'log'"),
    ],
)
def test_a_bad_reference_or_value_is_an_error_at_its_line(
    tmp_path: Path, broken: str, needle: str, message: str
) -> None:
    text = POSTMORTEM + INVESTIGATION.replace(broken, needle)
    found = problems(tmp_path, text)
    expected = f"scenarios/INC-1/postmortem.yaml:{line_of(text, needle)}: "
    assert any(p.startswith(expected) and re.search(message, p) for p in found), found


def test_an_evidence_id_used_twice_is_an_error_at_the_second(tmp_path: Path) -> None:
    text = POSTMORTEM + INVESTIGATION.replace("{id: E2, kind: log", "{id: E1, kind: log")
    found = problems(tmp_path, text)
    second = line_of(text, "{id: E1,", occurrence=2)
    assert f"scenarios/INC-1/postmortem.yaml:{second}: evidence[1].id: duplicate id 'E1'" in found


def test_every_piece_of_evidence_names_the_team_responsible(tmp_path: Path) -> None:
    text = POSTMORTEM + INVESTIGATION.replace(", team: payments}", "}")
    found = problems(tmp_path, text)
    line = line_of(text, "{id: E2,")
    assert (
        f"scenarios/INC-1/postmortem.yaml:{line}: evidence[1].team: missing required field" in found
    )


def test_a_hypothesis_id_used_twice_is_an_error(tmp_path: Path) -> None:
    text = POSTMORTEM + INVESTIGATION.replace("{id: H2,", "{id: H1,")
    found = problems(tmp_path, text)
    assert any("hypotheses[1].id: duplicate id 'H1'" in p for p in found), found


def test_a_root_cause_citing_unknown_evidence_is_an_error(tmp_path: Path) -> None:
    text = (POSTMORTEM + INVESTIGATION).replace(
        "description: alert threshold too high}",
        "description: alert threshold too high, evidence: [E9]}",
    )
    found = problems(tmp_path, text)
    line = line_of(text, "evidence: [E9]")
    assert (
        f"scenarios/INC-1/postmortem.yaml:{line}: root_causes[0].evidence[0]: no evidence 'E9'"
        in found
    )


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = POSTMORTEM + INVESTIGATION.replace("supporting: [E2]", "supporting: [E5, E6]")
    assert len([p for p in problems(tmp_path, text) if "no evidence" in p]) == 2


def test_references_are_checked_only_inside_a_postmortem() -> None:
    # A hypothesis built on its own (a test, a tool) has no evidence list to check against.
    hypothesis = Hypothesis.model_validate({"id": "H1", "statement": "x", "supporting": ["E1"]})
    assert hypothesis.supporting == ["E1"] and hypothesis.status == "open"


def test_the_schema_describes_the_new_sections() -> None:
    schema = json_schema("postmortem")
    properties = schema["properties"]
    for section in SECTIONS:
        assert properties[section].get("description"), section
    defs = schema["$defs"]
    assert defs["Participant"]["properties"]["role"]["enum"] == list(PARTICIPANT_ROLES)
    assert "log" in defs["Evidence"]["properties"]["kind"]["enum"]
    assert defs["Hypothesis"]["properties"]["contradicting"]["description"]
    assert defs["RootCause"]["properties"]["level"]
    assert json.dumps(schema)  # serialisable as it is printed


def test_the_schema_validates_a_postmortem_using_every_section() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    data = yaml.safe_load(POSTMORTEM + INVESTIGATION)
    jsonschema.validate(json.loads(json.dumps(data, default=str)), json_schema("postmortem"))


def test_the_policy_knows_exactly_the_postmortem_sections() -> None:
    assert tuple(Postmortem.model_fields) == policy.SECTIONS
    assert policy.SEVERITIES == ("SEV1", "SEV2", "SEV3", "SEV4")


def test_init_scaffold_shows_every_section_commented_and_valid_uncommented(
    tmp_path: Path,
) -> None:
    template = (resources.files("closeout") / "templates" / "postmortem.yaml").read_text()
    for section in SECTIONS:
        assert re.search(rf"^# {section}:", template, re.MULTILINE), section
    # Uncomment the investigation (not the explanatory comments) and it must load.
    lines = []
    for line in template.splitlines():
        if re.match(rf"^# ({'|'.join(SECTIONS)}):|^#   - ", line) or re.match(
            r"^\s+# (level|evidence):", line
        ):
            line = line.replace("# ", "", 1)
        lines.append(line)
    text = "\n".join(lines).replace("__INCIDENT__", "INC-1").replace("__TODAY__", "2025-07-01")
    text = text.replace("__DUE__", "2025-08-01")
    pm, _ = load_postmortem(Project(root=tmp_path), write(tmp_path, text))
    assert len(pm.hypotheses) == 2 and pm.root_causes[0].evidence == ["E1"]

"""``closeout lint`` on the investigation of a postmortem (SPEC §14).

Dangling references and duplicate ids are validation errors (``models/investigation.py``);
here are the rest:

- errors: a section the project's ``[tool.closeout.policy]`` requires for the postmortem's
  severity is missing;
- warnings, for a postmortem that records an investigation (evidence or hypotheses): a
  ``known`` root cause citing no evidence; a ``published`` postmortem with an ``open``
  hypothesis; on SEV1/SEV2, ``hypotheses`` with fewer than two entries (a single hypothesis
  was not tested against anything).

A postmortem without any investigation section gets no warning from here: the sections are
optional, and a project that wants them says so in its policy.
"""

from __future__ import annotations

from typing import Any

from closeout.errors import Location, Problem
from closeout.loader import locate
from closeout.models import Postmortem
from closeout.policy import TABLE, Policy, present

SEVERE = ("SEV1", "SEV2")
MIN_HYPOTHESES = 2


def investigation_problems(pm: Postmortem, raw: Any, display: str, policy: Policy) -> list[Problem]:
    """Policy errors and investigation warnings of one loaded postmortem."""
    problems = _policy_errors(pm, raw, display, policy)
    if not (pm.evidence or pm.hypotheses or "hypotheses" in raw):
        return problems
    problems += _uncited_causes(pm, raw, display)
    problems += _open_hypotheses(pm, raw, display)
    if pm.severity in SEVERE and len(pm.hypotheses) < MIN_HYPOTHESES:
        problems.append(
            _warning(
                locate(raw, ("hypotheses" if "hypotheses" in raw else "severity",), display),
                "hypotheses",
                f"a {pm.severity} postmortem should test at least {MIN_HYPOTHESES} hypotheses "
                f"(it has {len(pm.hypotheses)})",
            )
        )
    return problems


def _policy_errors(pm: Postmortem, raw: Any, display: str, policy: Policy) -> list[Problem]:
    missing = [s for s in policy.sections_for(pm.severity) if not present(pm, s)]
    where = locate(raw, ("severity",), display)
    return [
        Problem(
            where,
            section,
            f"missing: [{TABLE}] requires it for {pm.severity} postmortems",
        )
        for section in missing
    ]


def _uncited_causes(pm: Postmortem, raw: Any, display: str) -> list[Problem]:
    return [
        _warning(
            locate(raw, ("root_causes", index, "id"), display),
            f"root_causes[{index}]",
            f"root cause {cause.id} is `known` but cites no evidence",
        )
        for index, cause in enumerate(pm.root_causes)
        if cause.confidence == "known" and not cause.evidence
    ]


def _open_hypotheses(pm: Postmortem, raw: Any, display: str) -> list[Problem]:
    if pm.status != "published":
        return []
    return [
        _warning(
            locate(raw, ("hypotheses", index, "status"), display),
            f"hypotheses[{index}]",
            f"hypothesis {hypothesis.id} is still open in a published postmortem",
        )
        for index, hypothesis in enumerate(pm.hypotheses)
        if hypothesis.status == "open"
    ]


def _warning(where: Location, field: str, message: str) -> Problem:
    return Problem(where, field, message, "warning")

"""``[tool.closeout.policy]``: the sections a postmortem must have, per severity (SPEC §14).

::

    [tool.closeout.policy]
    SEV1 = ["facilitator", "hypotheses", "reviewers", "limitations"]
    SEV2 = ["hypotheses"]

Each key is a severity, each value a list of postmortem sections (top-level fields of
``postmortem.yaml``). ``closeout lint`` reports a missing one as an error. A key or a section
closeout does not know is a usage error naming ``pyproject.toml:line``, like any bad setting.

The project settings are read by every command, ``closeout search`` included, which must not
load pydantic: so the section names are listed here rather than read off the ``Postmortem``
model (a unit test keeps the two lists equal).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from closeout.errors import UsageError

TABLE = "tool.closeout.policy"
SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
SECTIONS = (
    "id",
    "title",
    "severity",
    "status",
    "summary",
    "impact",
    "started_at",
    "detected_at",
    "diagnosed_at",
    "mitigated_at",
    "resolved_at",
    "detection",
    "trigger",
    "scope",
    "timeline",
    "root_causes",
    "contributing_factors",
    "risk",
    "actions",
    "lessons",
    "communication",
    "limitations",
    "related",
    "tags",
    "facilitator",
    "participants",
    "evidence",
    "hypotheses",
    "dissent",
    "assumptions",
    "reviewers",
    "slos",
)
"""Every section a policy may name: the top-level fields of ``postmortem.yaml``."""


@dataclass(frozen=True)
class Policy:
    """Required sections per severity; empty when the project sets no policy."""

    required: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def sections_for(self, severity: str) -> tuple[str, ...]:
        """The sections a postmortem of ``severity`` must have."""
        return next((names for sev, names in self.required if sev == severity), ())


def present(postmortem: object, section: str) -> bool:
    """Whether ``section`` holds something: not missing, not an empty list or text."""
    value = getattr(postmortem, section, None)
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    return not (isinstance(value, list | dict | tuple) and not value)


def parse_policy(value: Any, config: str, source: str) -> Policy:
    """The policy from the TOML value of ``policy``; UsageError naming ``config:line``."""
    if not isinstance(value, dict):
        raise _error(config, source, "", "must be a table of severity = [section, ...]")
    known = SECTIONS
    required = []
    for severity, sections in value.items():
        if severity not in SEVERITIES:
            hint = _suggest(str(severity), SEVERITIES)
            problem = f"unknown severity{hint}; severities: {', '.join(SEVERITIES)}"
            raise _error(config, source, severity, problem)
        if not isinstance(sections, list) or not all(isinstance(s, str) for s in sections):
            raise _error(config, source, severity, "must be a list of section names")
        for section in sections:
            if section not in known:
                problem = f"unknown section '{section}'{_suggest(section, known)}"
                raise _error(config, source, severity, problem)
        required.append((severity, tuple(dict.fromkeys(sections))))
    return Policy(tuple(sorted(required)))


def _suggest(word: str, candidates: tuple[str, ...]) -> str:
    by_lower = {c.lower(): c for c in candidates}
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return f" (did you mean '{by_lower[close[0]]}'?)" if close else ""


def _error(config: str, source: str, key: str, problem: str) -> UsageError:
    name = f" {key}" if key else ""
    return UsageError(f"{config}:{policy_line(source, key)}: [{TABLE}]{name}: {problem}")


def policy_line(source: str, key: str) -> int:
    """The line of ``key = ...`` in the policy table (or of the table, or of ``policy =``)."""
    lines = source.splitlines()
    header = next((i for i, text in enumerate(lines) if text.strip() == f"[{TABLE}]"), None)
    if header is None:
        inline = re.compile(r"\s*\"?policy\"?\s*=")
        return next((i + 1 for i, text in enumerate(lines) if inline.match(text)), 1)
    pattern = re.compile(rf"\s*\"?{re.escape(key)}\"?\s*=") if key else None
    for index in range(header + 1, len(lines)):
        if lines[index].lstrip().startswith("["):
            break
        if pattern is not None and pattern.match(lines[index]):
            return index + 1
    return header + 1

"""Frozen, typed models: the postmortem, the scenario envelope, outcomes and evidence records.

Every model of a YAML file forbids unknown keys and reports them with a "did you mean"
suggestion. Kind-specific scenario fields live in ``closeout.kinds.<kind>``, on subclasses of
``ScenarioBase``. The package is split by subject (``base``, ``postmortem``, ``scenario``,
``records``); the names below are the ones closeout's modules import from here.
"""

from __future__ import annotations

from closeout.models.base import (
    DURATION_PATTERN,
    IDENTIFIER,
    IDENTIFIER_PATTERN,
    DurationMs,
    Identifier,
    Model,
    NonEmptyText,
    Tag,
    Timestamp,
    suggest,
)
from closeout.models.postmortem import (
    Action,
    Communication,
    Detection,
    Impact,
    Lessons,
    NamedVersion,
    Postmortem,
    Related,
    Risk,
    RootCause,
    Scope,
    TimelineEntry,
    Waiver,
)
from closeout.models.scenario import Outcome, OutcomeName, ScenarioBase, VerdictName, combine

__all__ = [
    "DURATION_PATTERN",
    "IDENTIFIER",
    "IDENTIFIER_PATTERN",
    "Action",
    "Communication",
    "Detection",
    "DurationMs",
    "Identifier",
    "Impact",
    "Lessons",
    "Model",
    "NamedVersion",
    "NonEmptyText",
    "Outcome",
    "OutcomeName",
    "Postmortem",
    "Related",
    "Risk",
    "RootCause",
    "ScenarioBase",
    "Scope",
    "Tag",
    "TimelineEntry",
    "Timestamp",
    "VerdictName",
    "Waiver",
    "combine",
    "suggest",
]

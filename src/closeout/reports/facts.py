"""What the archive, the metrics and the search need of an incident, as plain frozen data.

``collect.py`` derives these from the postmortem and its evidence; ``metrics.py`` and
``archive.py`` are pure functions of them (tests build them by hand).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

CATEGORIES = ("technical", "data", "process")
SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")


@dataclass(frozen=True)
class ActionFact:
    """One action item: its derived state and what the metrics count of it."""

    id: str
    title: str
    type: str
    owner: str
    due: date
    state: str
    overdue: bool
    categories: tuple[str, ...]  # of the root causes it addresses
    first_closed_at: datetime | None = None  # earliest closure record
    recurrences: int = 0  # recurrence records
    closure_file: str | None = None
    ticket: str | None = None
    ticket_url: str | None = None  # from [tool.closeout] ticket_url

    @property
    def closed(self) -> bool:
        """Closed on evidence and not regressed (a stale closure still counts as closed)."""
        return self.state == "closed" or (
            self.state == "stale" and self.first_closed_at is not None
        )

    @property
    def settled_without_evidence(self) -> bool:
        return self.state in ("waived", "not_doing")


@dataclass(frozen=True)
class IncidentFact:
    """One postmortem with the derived state of its actions."""

    id: str
    title: str
    severity: str
    status: str
    started_at: datetime
    detected_at: datetime
    diagnosed_at: datetime | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    actions: tuple[ActionFact, ...] = field(default_factory=tuple)

    @property
    def quarter(self) -> str:
        """The UTC quarter of ``started_at``, e.g. ``2025-Q1``."""
        started = self.started_at.astimezone(UTC)
        return f"{started.year}-Q{(started.month - 1) // 3 + 1}"

    def state_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for action in self.actions:
            counts[action.state] = counts.get(action.state, 0) + 1
        return counts


def seconds_between(later: datetime | None, earlier: datetime | None) -> float | None:
    """``later - earlier`` in seconds, or None when either is missing."""
    if later is None or earlier is None:
        return None
    return (later - earlier).total_seconds()

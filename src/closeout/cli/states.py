"""Action states on the command line: the ``--state`` check, and ``search --state``.

``search`` loads this module (through ``search.STATE_FILTER``) only when ``--state`` asks
for live action states, which need the loader and pydantic.
"""

from __future__ import annotations

from closeout.errors import CloseoutError, UsageError
from closeout.lifecycle import statuses
from closeout.models import suggest
from closeout.project import Project
from closeout.reports.search import Hit
from closeout.state import STATES


def require_state(state: str) -> None:
    """Refuse a ``--state`` value that is not an action state, suggesting the nearest one."""
    if state not in STATES:
        raise UsageError(
            f"--state {state}: not a state{suggest(state, STATES)}; states: {', '.join(STATES)}"
        )


def with_state(
    project: Project, hits: list[Hit], state: str, limit: int
) -> tuple[list[Hit], dict[str, str]]:
    """Keep the hits with an action in ``state`` now (derived live, best hits first)."""
    require_state(state)
    kept: list[Hit] = []
    described: dict[str, str] = {}
    for hit in hits:
        try:
            found = statuses(project, [hit.doc["id"]])
        except CloseoutError:
            continue
        if any(s.state == state for s in found):
            kept.append(hit)
            counts: dict[str, int] = {}
            for status in found:
                counts[status.state] = counts.get(status.state, 0) + 1
            described[hit.doc["id"]] = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        if len(kept) >= limit:
            break
    return kept, described

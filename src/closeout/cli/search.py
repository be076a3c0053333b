"""The ``search`` command handler: the archive's full-text index, answered without pydantic.

This module imports no pydantic and no loader: ``search`` answers in a fraction of a second on
a large archive. Only ``--state`` needs live action states; their filter is loaded by
reference (``STATE_FILTER``) when asked for.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from closeout.cli.output import EXIT_OK, emit, say, warn
from closeout.cli.references import load
from closeout.errors import UsageError
from closeout.project import Project, load_project
from closeout.reports.search import Hit, search
from closeout.reports.search_cache import load_index
from closeout.reports.text import search_text

STATE_FILTER = "closeout.cli.states:with_state"
"""Keeps the search hits with an action in a given state, derived live."""

StateFilter = Callable[[Project, list[Hit], str, int], tuple[list[Hit], dict[str, str]]]


def cmd_search(args: argparse.Namespace) -> int:
    """Print the incidents matching the query and filters, best first."""
    if args.limit < 1:
        raise UsageError(f"--limit {args.limit}: must be at least 1")
    project = load_project()
    docs, postings, unreadable = load_index(project)
    hits = search(args.query, docs, postings, severity=args.severity, category=args.category)
    states: dict[str, str] = {}
    if args.state:
        with_state: StateFilter = load(STATE_FILTER)
        hits, states = with_state(project, hits, args.state, args.limit)
    total = len(hits)
    hits = hits[: args.limit]
    if args.json:
        emit(
            {
                "query": args.query,
                "total": total,
                "searched": len(docs),
                "results": [_result(hit, states) for hit in hits],
            }
        )
    else:
        say(search_text(hits, total, len(docs), states))
    for path in unreadable:
        warn(f"{path}: not readable YAML; left out of the search")
    return EXIT_OK


def _result(hit: Hit, states: dict[str, str]) -> dict[str, object]:
    """One search result as JSON: the document's fields, its id as ``incident``, the score."""
    return {
        **{k: v for k, v in hit.doc.items() if k != "id"},
        "incident": hit.doc["id"],
        "score": round(hit.score, 4),
        **({"actions": states.get(hit.doc["id"])} if states else {}),
    }

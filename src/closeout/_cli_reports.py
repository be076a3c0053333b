"""Command handlers for the reports: report, search, metrics (parse, call the core, print).

``search`` imports no pydantic and no loader unless ``--state`` asks for live action states,
so it answers in a fraction of a second on a large archive.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from closeout.cli import EXIT_OK, EXIT_USAGE, emit


def _warn(problems: list[str]) -> None:
    for problem in problems:
        print(f"closeout: {problem}", file=sys.stderr)


def cmd_report(args: argparse.Namespace) -> int:
    from closeout.project import load_project
    from closeout.reports.build import build_reports

    result = build_reports(load_project(), args.incidents or None)
    if args.json:
        emit(
            {
                "written": result.written,
                "archive": result.archive,
                "incidents": result.incidents,
                "problems": result.problems,
            }
        )
    else:
        if args.incidents or len(result.written) <= 20:
            for path in result.written:
                print(f"wrote {path}")
        else:
            pages = len(result.written) // 2
            print(f"wrote postmortem.md and index.html of {pages} incident(s)")
        print(f"wrote {result.archive} ({result.incidents} incident(s))")
    _warn(result.problems)
    return EXIT_USAGE if result.problems else EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    from closeout.errors import UsageError
    from closeout.project import load_project
    from closeout.reports.search import search
    from closeout.reports.search_cache import load_index
    from closeout.reports.text import search_text

    if args.limit < 1:
        raise UsageError(f"--limit {args.limit}: must be at least 1")
    project = load_project()
    docs, postings, unreadable = load_index(project)
    hits = search(args.query, docs, postings, severity=args.severity, category=args.category)
    states: dict[str, str] = {}
    total = len(hits)
    if args.state:
        hits, states = _with_state(project, hits, args.state, args.limit)
        total = len(hits)
    hits = hits[: args.limit]
    if args.json:
        emit(
            {
                "query": args.query,
                "total": total,
                "searched": len(docs),
                "results": [
                    {
                        **{k: v for k, v in hit.doc.items() if k != "id"},
                        "incident": hit.doc["id"],
                        "score": round(hit.score, 4),
                        **({"actions": states.get(hit.doc["id"])} if states else {}),
                    }
                    for hit in hits
                ],
            }
        )
    else:
        print(search_text(hits, total, len(docs), states))
    for path in unreadable:
        print(f"closeout: {path}: not readable YAML; left out of the search", file=sys.stderr)
    return EXIT_OK


def _with_state(
    project: Any, hits: list[Any], state: str, limit: int
) -> tuple[list[Any], dict[str, str]]:
    """Keep the hits with an action in ``state`` now (derived live, best hits first)."""
    from closeout.errors import CloseoutError, UsageError
    from closeout.lifecycle import statuses
    from closeout.models import suggest
    from closeout.state import STATES

    if state not in STATES:
        raise UsageError(
            f"--state {state}: not a state{suggest(state, STATES)}; states: {', '.join(STATES)}"
        )
    kept, described = [], {}
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


def cmd_metrics(args: argparse.Namespace) -> int:
    from closeout.project import load_project
    from closeout.reports.build import collect_facts
    from closeout.reports.metrics import compute
    from closeout.reports.text import metrics_text

    project = load_project()
    facts, problems, now = collect_facts(project)
    metrics = compute(facts, now)
    if args.json:
        emit({**metrics, "problems": problems})
    else:
        print(metrics_text(metrics))
    _warn(problems)
    return EXIT_USAGE if problems else EXIT_OK

"""The ``search`` command handler: the archive's full-text index, answered without pydantic.

This module imports no pydantic and no loader: ``search`` answers in a fraction of a second on
a large archive. Only ``--state`` needs live action states; their filter is loaded by
reference (``STATE_FILTER``) when asked for. Each result carries its snippet (the best
passage, matched words marked), cut by the same rules as in the archive page.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from closeout._terminal import table
from closeout.cli.output import EXIT_OK, emit, say, warn
from closeout.cli.references import load
from closeout.errors import UsageError
from closeout.project import Project, load_project
from closeout.reports.search import Hit, Ranking, rank, ranked_hits
from closeout.reports.search_cache import SearchIndex, load_index
from closeout.reports.search_snippet import Snippet, snippet

STATE_FILTER = "closeout.cli.states:with_state"
"""Keeps the search hits with an action in a given state, derived live."""

StateFilter = Callable[[Project, list[Hit], str, int], tuple[list[Hit], dict[str, str]]]


def cmd_search(args: argparse.Namespace) -> int:
    """Print the incidents matching the query and filters, best first, with snippets."""
    if args.limit < 1:
        raise UsageError(f"--limit {args.limit}: must be at least 1")
    project = load_project()
    index = load_index(project)
    docs = index.docs
    ranking = rank(args.query, index.postings, index.forms)
    hits = ranked_hits(ranking, docs, severity=args.severity, category=args.category)
    states: dict[str, str] = {}
    if args.state:
        with_state: StateFilter = load(STATE_FILTER)
        hits, states = with_state(project, hits, args.state, args.limit)
    total = len(hits)
    hits = hits[: args.limit]
    snippets = _snippets(ranking, hits, index)
    if args.json:
        emit(
            {
                "query": args.query,
                "total": total,
                "searched": len(docs),
                "results": [_result(hit, states, snippets) for hit in hits],
            }
        )
    else:
        say(search_text(hits, total, len(docs), states, snippets))
    for path in index.unreadable:
        warn(f"{path}: not readable YAML; left out of the search")
    return EXIT_OK


def _snippets(ranking: Ranking | None, hits: list[Hit], index: SearchIndex) -> dict[str, Snippet]:
    """Each shown hit's snippet by incident id; none for a query without words."""
    if ranking is None:
        return {}
    found = {}
    for hit in hits:
        passages, forms = index.passages(hit.index)
        found[hit.doc["id"]] = snippet(passages, ranking.terms, forms)
    return found


def _result(hit: Hit, states: dict[str, str], snippets: dict[str, Snippet]) -> dict[str, object]:
    """One search result as JSON: the document's fields, its id as ``incident``, the score
    and the snippet (``text`` and the ``[start, end)`` code-point offsets of ``marks``)."""
    found = snippets.get(hit.doc["id"])
    return {
        **{k: v for k, v in hit.doc.items() if k != "id"},
        "incident": hit.doc["id"],
        "score": hit.score,
        "snippet": found.as_json() if found is not None else None,
        **({"actions": states.get(hit.doc["id"])} if states else {}),
    }


def marked(found: Snippet) -> str:
    """The snippet's text with each marked word in [brackets]."""
    return "".join(f"[{text}]" if hit else text for text, hit in found.segments())


def search_text(
    hits: list[Hit],
    total: int,
    documents: int,
    states: dict[str, str],
    snippets: dict[str, Snippet],
) -> str:
    """Result rows (score, incident, severity, start, causes, [states,] title), each followed
    by a row holding its snippet under the title, matched words in [brackets]; and a count.
    Drawn by the one table renderer (``closeout._terminal``), like every other table."""
    if not hits:
        return f"no incident matches (searched {documents})"
    headers = ["score", "incident", "severity", "started", "causes", *(["actions"] * bool(states))]
    rows: list[list[str]] = []
    for hit in hits:
        doc = hit.doc
        row = [f"{hit.score:.2f}", doc["id"], doc["severity"], str(doc["started_at"])[:10]]
        row += [",".join(doc["categories"])] + ([states.get(doc["id"], "-")] if states else [])
        rows.append([*row, doc["title"]])
        found = snippets.get(doc["id"])
        if found is not None and found.text:
            rows.append([*([""] * len(headers)), marked(found)])
    shown = f"{len(hits)} of {total} matching" if total > len(hits) else f"{total} matching"
    return table([*headers, "title"], rows) + f"\n\n{shown} incident(s) (searched {documents})"

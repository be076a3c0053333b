"""Command handlers for the rendered reports: report, metrics (parse, call the core, print)."""

from __future__ import annotations

import argparse

from closeout.cli.output import EXIT_OK, EXIT_USAGE, emit, say, warn_all
from closeout.project import load_project
from closeout.reports.build import build_reports, collect_metrics
from closeout.reports.investigation import investigation_metrics_text
from closeout.reports.text import metrics_text

# Up to this many files are listed one by one; past it, `report` prints a count.
_LISTED_FILES = 20


def cmd_report(args: argparse.Namespace) -> int:
    """Render postmortems, evidence pages and the archive; exit 2 if a source was unusable."""
    result = build_reports(load_project(), args.incidents or None, brief=args.brief)
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
        if args.incidents or len(result.written) <= _LISTED_FILES:
            for path in result.written:
                say(f"wrote {path}")
        else:
            # Each incident gets two pages, postmortem.md and index.html, and with --brief a
            # third, brief.md.
            pages = len(result.written) // (3 if args.brief else 2)
            named = (
                "postmortem.md, index.html and brief.md"
                if args.brief
                else "postmortem.md and index.html"
            )
            say(f"wrote {named} of {pages} incident(s)")
        say(f"wrote {result.archive} ({result.incidents} incident(s))")
    warn_all(result.problems)
    return EXIT_USAGE if result.problems else EXIT_OK


def cmd_metrics(args: argparse.Namespace) -> int:
    """Print time-to-detect/.../close and the recurrence rate over the archive."""
    metrics, problems = collect_metrics(load_project())
    if args.json:
        emit({**metrics, "problems": problems})
    else:
        say(metrics_text(metrics))
        say(investigation_metrics_text(metrics))
    warn_all(problems)
    return EXIT_USAGE if problems else EXIT_OK

"""Command handlers for the rendered reports: report, metrics (parse, call the core, print)."""

from __future__ import annotations

import argparse
from pathlib import Path

from closeout.cli.output import EXIT_OK, EXIT_USAGE, emit, say, warn_all
from closeout.kinds import find_kind, kind_names
from closeout.project import Project, load_project
from closeout.reports.build import build_reports, collect_metrics
from closeout.reports.investigation import investigation_metrics_text
from closeout.reports.text import metrics_text

# Up to this many files are listed one by one; past it, `report` prints a count.
_LISTED_FILES = 20


def cmd_report(args: argparse.Namespace) -> int:
    """Render postmortems, evidence pages and the archive; exit 2 if a source was unusable.

    With ``--evidently``, also the pages every kind renders only on request from its run
    artifacts (``Kind.render_artifacts``): each drift run's evidently snapshot
    (``*-evidently.json``) as evidently's HTML page beside it (SPEC §12); without it no such
    page is written.
    """
    project = load_project()
    result = build_reports(project, args.incidents or None, brief=args.brief)
    evidently = bool(getattr(args, "evidently", False))  # an older caller's Namespace lacks it
    rendered: list[str] = []
    if evidently:
        rendered, failed = render_on_request(project, args.incidents or None)
        result.problems += failed
    if args.json:
        found = {
            "written": result.written,
            "archive": result.archive,
            "incidents": result.incidents,
            "problems": result.problems,
        }
        emit(found | ({"evidently": rendered} if evidently else {}))
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
        for page in rendered:
            say(f"wrote {page}")
    warn_all(result.problems)
    return EXIT_USAGE if result.problems else EXIT_OK


def render_on_request(project: Project, incidents: list[str] | None) -> tuple[list[str], list[str]]:
    """Ask every registered kind to render its on-request pages from the artifacts of the
    incidents' runs (default: all). Returns the pages written and the problems (a file that
    is not what its name says, a missing extra)."""
    artifacts = _artifacts(project, incidents)
    written: list[str] = []
    problems: list[str] = []
    for name in kind_names():
        kind = find_kind(name)  # a plugin that cannot load is reported where a scenario names it
        if kind is None:
            continue
        pages, failed = kind.render_artifacts(artifacts, project)
        written += pages
        problems += failed
    return written, problems


def _artifacts(project: Project, incidents: list[str] | None) -> list[Path]:
    """The files in ``reports/<INC>/artifacts`` of the incidents (default: every folder)."""
    root = project.reports_dir
    if incidents:
        folders = [root / incident for incident in incidents]
    else:
        folders = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    found = [d / "artifacts" for d in folders if (d / "artifacts").is_dir()]
    return sorted(f for d in found for f in d.iterdir() if f.is_file())


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

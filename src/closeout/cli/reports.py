"""Command handlers for the rendered reports: report, metrics (parse, call the core, print)."""

from __future__ import annotations

import argparse
from pathlib import Path

from closeout.cli.output import EXIT_OK, EXIT_USAGE, emit, say, warn_all
from closeout.kinds.drift_replay.snapshot_html import (
    SNAPSHOT_SUFFIX,
    html_path,
    render_snapshot_html,
)
from closeout.project import Project, load_project
from closeout.reports.build import build_reports, collect_metrics
from closeout.reports.investigation import investigation_metrics_text
from closeout.reports.text import metrics_text

# Up to this many files are listed one by one; past it, `report` prints a count.
_LISTED_FILES = 20


def cmd_report(args: argparse.Namespace) -> int:
    """Render postmortems, evidence pages and the archive; exit 2 if a source was unusable.

    With ``--evidently``, also each drift run's evidently snapshot (``*-evidently.json``) as
    evidently's HTML page beside it (SPEC §12); without it no HTML is written.
    """
    project = load_project()
    result = build_reports(project, args.incidents or None, brief=args.brief)
    evidently = bool(getattr(args, "evidently", False))  # an older caller's Namespace lacks it
    rendered: list[str] = []
    if evidently:
        rendered, failed = render_evidently(project, args.incidents or None)
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


def render_evidently(project: Project, incidents: list[str] | None) -> tuple[list[str], list[str]]:
    """Render every evidently snapshot of the incidents' runs (default: all) as HTML beside
    it; a page newer than its snapshot is kept. Returns the pages written and the problems
    (a file that is not a snapshot, evidently not installed)."""
    snapshots = _snapshots(project, incidents)
    written: list[str] = []
    problems: list[str] = []
    for snapshot in snapshots:
        html = html_path(snapshot)
        if html.is_file() and html.stat().st_mtime_ns >= snapshot.stat().st_mtime_ns:
            continue
        try:
            render_snapshot_html(snapshot, html)
        except ImportError as exc:
            problems.append(
                f"--evidently: rendering evidently's pages needs evidently ({exc}): "
                "pip install 'closeout[drift]'"
            )
            break
        except (ValueError, OSError) as exc:
            problems.append(f"{project.display(snapshot)}: not rendered: {_reason(exc)}")
            continue
        written.append(project.display(html))
    return written, problems


def _snapshots(project: Project, incidents: list[str] | None) -> list[Path]:
    root = project.reports_dir
    if incidents:
        folders = [root / incident for incident in incidents]
    else:
        folders = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    return sorted(f for d in folders for f in (d / "artifacts").glob(f"*{SNAPSHOT_SUFFIX}"))


def _reason(exc: Exception) -> str:
    text = str(exc)
    return text.split(": ", 1)[1] if isinstance(exc, ValueError) and ": " in text else text


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

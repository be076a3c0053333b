"""Command handler for ``closeout digest`` (parse, call the core, print)."""

from __future__ import annotations

import argparse

from closeout.cli.output import EXIT_OK, EXIT_USAGE, emit, say, warn_all
from closeout.digest import digest, digest_text, parse_since
from closeout.lifecycle import Archive, check_incident_id
from closeout.project import load_project


def cmd_digest(args: argparse.Namespace) -> int:
    """Print what changed since ``--since``, by incident; exit 2 if a postmortem was unusable."""
    project = load_project()
    for incident in args.incidents:
        check_incident_id(project, incident)
    archive = Archive(project)
    result = digest(archive, parse_since(args.since, archive.now), args.incidents or None)
    if args.json:
        emit(result.as_json())
    else:
        say(digest_text(result))
    warn_all(result.problems)
    return EXIT_USAGE if result.problems else EXIT_OK

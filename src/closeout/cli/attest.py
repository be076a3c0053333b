"""Command handlers for records that vouch for others: ``checkpoint`` and ``reseal``.

See ``closeout.attest`` and ``docs/signing.md`` (adopting signing on an existing archive).
"""

from __future__ import annotations

import argparse

from closeout import lifecycle
from closeout.attest import Attested, checkpoint_in, reseal_in
from closeout.cli.output import EXIT_OK, emit, say
from closeout.lifecycle import Archive
from closeout.project import load_project


def _incidents(archive: Archive, wanted: list[str]) -> list[str]:
    for incident in wanted:
        lifecycle.check_incident_id(archive.project, incident)
    return wanted or archive.incidents()


def _print(done: list[Attested], verb: str, as_json: bool) -> int:
    if as_json:
        emit(
            [
                {"incident": d.incident, "record": d.record, "names": d.names, "note": d.note}
                for d in done
            ]
        )
        return EXIT_OK
    for item in done:
        if item.record:
            say(f"{item.incident}: {verb} {item.names} record(s): {item.record}")
        else:
            say(f"{item.incident}: nothing written ({item.note})")
    return EXIT_OK


def cmd_checkpoint(args: argparse.Namespace) -> int:
    """Write a checkpoint record naming each incident's heads (signed when a key is set)."""
    archive = Archive(load_project())
    done = checkpoint_in(archive, _incidents(archive, args.incidents))
    return _print(done, "checkpoint names", args.json)


def cmd_reseal(args: argparse.Namespace) -> int:
    """Attest, with the current signing key, the records that lack a trusted signature."""
    archive = Archive(load_project())
    done = reseal_in(archive, _incidents(archive, args.incidents), args.by, args.note)
    return _print(done, "reseal attests", args.json)

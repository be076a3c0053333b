"""The ``plan`` command: how ``--shard K/N`` splits the selected scenarios (SPEC §16).

It prints the very split ``run``, ``gate`` or ``recur`` (``--for``) make with ``--shard``:
the same selection, the same recorded durations, the same greedy assignment.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from closeout.cli.output import EXIT_OK, emit, say
from closeout.cli.running import Target, guarded_targets, require_scenarios
from closeout.cli.shards import scenario_files, split, unit_of
from closeout.errors import UsageError
from closeout.project import load_project
from closeout.report_text import table
from closeout.selectors import select


def cmd_plan(args: argparse.Namespace) -> int:
    """Print each shard's scenarios and their recorded durations."""
    if args.shards < 1:
        raise UsageError(f"--shards {args.shards}: must be at least 1")
    project = load_project()
    if args.command_for == "run":
        targets: list[Target] = list(select(project, args.selectors))
    else:
        require_scenarios(project)
        targets = guarded_targets(project, gate=args.command_for == "gate")
    files = scenario_files([t for t in targets if isinstance(t, Path)])
    units = [unit_of(project, f) for f in files]
    units += [unit_of(project, t) for t in targets if isinstance(t, str)]
    buckets, weights, known = split(project, units, args.shards)
    total = sum(weights.values())
    shards: list[dict[str, Any]] = [
        {
            "shard": f"{b.index}/{args.shards}",
            "duration_s": round(b.seconds, 3),
            "scenarios": [
                {"path": u, "duration_s": round(weights[u], 3), "recorded": u in known}
                for u in sorted(b.units)
            ],
        }
        for b in buckets
    ]
    largest = max((b.seconds for b in buckets), default=0.0)
    if args.json:
        emit(
            {
                "for": args.command_for,
                "shards": shards,
                "total_s": round(total, 3),
                "largest_s": round(largest, 3),
            }
        )
        return EXIT_OK
    rows = [
        [b.index, u, f"{weights[u]:.2f}s" + ("" if u in known else " (estimate)")]
        for b in buckets
        for u in sorted(b.units)
    ]
    say(table(["shard", "scenario", "duration"], rows) if rows else "no scenario selected")
    say(f"{len(units)} scenario(s), {total:.2f}s in all; the largest shard takes {largest:.2f}s")
    return EXIT_OK

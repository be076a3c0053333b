"""Command handlers for Prometheus: ``export promtool`` and ``capture prometheus`` (SPEC §11).

Like every handler module they only call the core (``closeout.kinds.threshold.export`` and
``.capture``) and print.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from closeout._time import parse_aware, parse_duration_ms
from closeout.cli.output import EXIT_OK, emit, note, say
from closeout.errors import UsageError
from closeout.kinds.threshold.capture import capture
from closeout.kinds.threshold.export import Exported, export_promtool
from closeout.kinds.threshold.spec import ThresholdScenario
from closeout.loader import LoadedScenario, is_scenario_file, load_scenario
from closeout.project import Project, load_project
from closeout.selectors import select

_EXPORT_FOLDER = "promtool"


def cmd_export(args: argparse.Namespace) -> int:
    """Write each selected threshold scenario as a promtool unit test and its rule file."""
    project = load_project()
    scenarios = [
        (s, s.model)
        for s in _loaded(project, select(project, args.selectors))
        if isinstance(s.model, ThresholdScenario)
    ]
    if not scenarios:
        raise UsageError("no threshold scenario selected: promtool tests come from those")
    out = Path(args.output) if args.output else project.reports_dir / _EXPORT_FOLDER
    written = [
        export_promtool(model, s.kind.subject(model), s.name, s.display, project, out.resolve())
        for s, model in scenarios
    ]
    if args.json:
        emit([_as_json(project, w) for w in written])
        return EXIT_OK
    for w in written:
        say(f"{project.display(w.test_file)}: {w.tests} alert test(s) from {w.scenario}")
        for skipped in w.not_exported:
            note(f"  not exported: {skipped}")
    say(f"run: promtool test rules {project.display(out.resolve())}/*.test.yml")
    return EXIT_OK


def _loaded(project: Project, targets: list[Path]) -> list[LoadedScenario]:
    """Every scenario file below the targets, loaded (a broken one is exit 2 with file:line)."""
    files: list[Path] = []
    for target in targets:
        found = sorted(target.rglob("*")) if target.is_dir() else [target]
        files += [f for f in found if f.is_file() and is_scenario_file(f)]
    return [load_scenario(project, f.resolve()) for f in dict.fromkeys(files)]


def _as_json(project: Project, written: Exported) -> dict[str, object]:
    return {
        "scenario": written.scenario,
        "rules_file": project.display(written.rules_file),
        "test_file": project.display(written.test_file),
        "tests": written.tests,
        "not_exported": written.not_exported,
    }


def cmd_capture(args: argparse.Namespace) -> int:
    """Read a live Prometheus' query_range into a CSV and its provenance sidecar."""
    try:
        start, end = parse_aware(args.start), parse_aware(args.end)
    except ValueError as exc:
        raise UsageError(f"--start/--end: {exc}") from None
    try:
        step_ms = parse_duration_ms(args.step)
    except ValueError as exc:
        raise UsageError(f"--step: {exc}") from None
    done = capture(args.url, args.query, start, end, step_ms, Path(args.output))
    if args.json:
        emit(
            {
                "csv": str(done.csv_path),
                "source": str(done.sidecar_path),
                "series": done.series,
                "rows": done.rows,
            }
        )
    else:
        say(f"wrote {done.csv_path}: {done.rows} row(s), {len(done.series)} series")
        say(f"wrote {done.sidecar_path}")
    return EXIT_OK

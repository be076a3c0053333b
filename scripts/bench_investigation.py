"""SPEC §14 at archive scale: lint and report 2,000 postmortems that use every new section.

Builds the archive of ``bench_reports.py`` twice from the same seed (2,000 postmortems, two
threshold scenarios each, 7,000+ sealed evidence records): once as it is, once with every
investigation section added to each postmortem (facilitator, participants, evidence,
hypotheses, dissent, assumptions, reviewers, service levels; root causes with a level and
the evidence they cite; scope with lineage URIs). Then prints, measured in this run:

- ``closeout lint scenarios`` on both (median of 3, alternating), and the ratio
  (target <= 2x the archive without the sections);
- ``closeout report`` on the archive with the sections (target < 60 s), each incident page
  with its causal diagram laid out by Graphviz when ``dot`` is installed;
- the same report without the sections, as a yardstick.

Usage: python scripts/bench_investigation.py [FOLDER]   (default: a temporary folder)
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

import bench_reports  # noqa: E402

ROLES = ["ml_research", "ml_engineering", "data_engineering", "sre", "product", "operations"]
KINDS = ["log", "dashboard", "version_record", "model_artifact", "dataset", "query", "ticket"]
RUNS = 3


def investigation(rng: random.Random, causes: int) -> str:
    """Every SPEC §14 section, with references that resolve."""
    words = bench_reports.words
    evidence = [f"E{i}" for i in range(1, 7)]
    lines = [f"facilitator: facilitator-{rng.randrange(40)}", "participants:"]
    lines += [
        f"  - {{name: person-{rng.randrange(500)}, role: {rng.choice(ROLES)}}}" for _ in range(4)
    ]
    lines.append("evidence:")
    for ident in evidence:
        lines.append(
            f"  - {{id: {ident}, kind: {rng.choice(KINDS)}, title: '{words(rng, 6)}', "
            f"url: 'https://grafana.example.com/d/{rng.randrange(10**6)}', "
            f"team: team-{rng.randrange(12)}}}"
        )
    lines.append("hypotheses:")
    for index in range(1, 5):
        status = "confirmed" if index == 1 else rng.choice(["refuted", "refuted", "inconclusive"])
        supporting = ", ".join(rng.sample(evidence, 2))
        cause = f", root_causes: [RC{rng.randint(1, causes)}]" if status == "confirmed" else ""
        lines.append(
            f"  - {{id: H{index}, statement: '{words(rng, 12)}', status: {status}, "
            f"supporting: [{supporting}], contradicting: [{rng.choice(evidence)}]{cause}, "
            f"note: '{words(rng, 10)}'}}"
        )
    lines += [
        "dissent:",
        f"  - {{by: person-{rng.randrange(500)}, view: '{words(rng, 14)}', "
        f"response: '{words(rng, 14)}', about: H{rng.randint(1, 4)}}}",
        f"assumptions: ['{words(rng, 10)}', '{words(rng, 10)}']",
        "reviewers:",
    ]
    lines += [
        f"  - {{name: reviewer-{rng.randrange(30)}, at: 2025-0{rng.randint(1, 9)}-1{i}, "
        f"verdict: approved, note: '{words(rng, 8)}'}}"
        for i in range(2)
    ]
    lines.append("slos:")
    lines += [
        f"  - {{sli: sli_{rng.randrange(20)}, objective: '>= 0.9{i} daily', "
        f"observed: '0.{rng.randrange(10, 89)}', breached: {str(rng.random() < 0.7).lower()}}}"
        for i in range(2)
    ]
    return "\n".join(lines) + "\n"


def with_investigation(text: str, rng: random.Random) -> str:
    """A bench postmortem with root-cause levels and evidence, lineage, and the sections."""
    causes = text.count("  - {id: RC")
    for index in range(1, causes + 1):
        level = rng.choice(["immediate", "systemic"])
        cited = ", ".join(f"E{n}" for n in rng.sample(range(1, 7), 2))
        text = text.replace(
            f"  - {{id: RC{index}, category:",
            f"  - {{id: RC{index}, level: {level}, evidence: [{cited}], category:",
        )
    scope = (
        "scope:\n  models: [{name: model, version: '4', uri: 'models:/model/4'}]\n"
        "  datasets: [{name: data, version: '2025-01-01', uri: 's3://lake/data/'}]\n"
    )
    return text + scope + investigation(rng, causes)


def build(root: Path, sections: bool) -> int:
    records = bench_reports.build(root)
    if sections:
        rng = random.Random(bench_reports.SEED + 17)
        for path in sorted((root / "scenarios").glob("*/postmortem.yaml")):
            path.write_text(with_investigation(path.read_text(), rng))
    return records


CPU: list[float] = []  # CPU seconds of each timed command, beside its wall time


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], cwd: Path) -> float:
    """Wall seconds of ``argv``; its CPU seconds (dot's included) go to ``CPU``."""
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    CPU.append(_children_cpu() - cpu)
    if done.returncode != 0:
        raise SystemExit(
            f"{' '.join(argv)} in {cwd} exited {done.returncode}:\n{done.stderr[-3000:]}"
        )
    return elapsed


def show(label: str, value: float, unit: str, note: str = "") -> None:
    print(f"{label:<52} {value:7.3f} {unit:<2}" + (f"  ({note})" if note else ""))


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(scratch)
        plain, full = base / "plain", base / "investigation"
        for folder, sections in ((plain, False), (full, True)):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            start = time.perf_counter()
            records = build(folder, sections)
            label = "with" if sections else "without"
            show(f"built 2000 postmortems {label} the sections", time.perf_counter() - start, "s")
        size = sum(p.stat().st_size for p in full.glob("scenarios/*/postmortem.yaml"))
        before = sum(p.stat().st_size for p in plain.glob("scenarios/*/postmortem.yaml"))
        print(
            f"postmortem YAML: {before / 1e6:.2f} MB without, {size / 1e6:.2f} MB with; "
            f"{records} records each"
        )
        closeout = [sys.executable, "-m", "closeout"]
        lint: dict[str, list[tuple[float, float]]] = {"plain": [], "full": []}
        for _ in range(RUNS):
            for name, folder in (("plain", plain), ("full", full)):
                wall = timed([*closeout, "lint", "scenarios"], folder)
                lint[name].append((wall, CPU[-1]))
        without, with_sections = (
            (statistics.median(w for w, _ in lint[k]), statistics.median(c for _, c in lint[k]))
            for k in ("plain", "full")
        )
        show("closeout lint without the sections, wall", without[0], "s", f"median of {RUNS}")
        show("  its CPU time", without[1], "s")
        ratio = f"{with_sections[0] / without[0]:.2f}x without (CPU: "
        ratio += f"{with_sections[1] / without[1]:.2f}x); target <= 2x"
        show("closeout lint with every section, wall", with_sections[0], "s", ratio)
        show("  its CPU time", with_sections[1], "s")
        report = timed([*closeout, "report"], full)
        dot = shutil.which("dot")
        layout = f"diagrams by {dot}" if dot else "no dot: fallback diagrams"
        show("closeout report with every section, wall", report, "s", f"target < 60 s; {layout}")
        show("  its CPU time (with dot's)", CPU[-1], "s")
        size = (full / "reports" / "index.html").stat().st_size / 1e6
        show("reports/index.html with every section indexed", size, "MB", "target < 5 MB")
        yardstick = timed([*closeout, "report"], plain)
        note = f"with = {report / yardstick:.2f}x"
        show("closeout report without the sections, wall", yardstick, "s", note)
        show("  its CPU time (with dot's)", CPU[-1], "s")
        print(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

"""`closeout report`, `closeout search` and `closeout metrics` over 2,000 postmortems.

Generates an archive of 2,000 postmortems (seeded, varied text, 3-5 actions each, two
threshold scenarios per incident) with 8,000+ sealed evidence records (runs with metrics and
chart artifacts, closures, recurrences), then prints, measured in this run:

- `closeout report` for all of them (target < 60 s) and the size of reports/index.html
  (target < 5 MB), with the cost of reading every record's JSON as a yardstick;
- `closeout search` warm (median of 5, target < 0.3 s), after one postmortem changed
  (incremental re-index) and against Python start-up alone;
- `closeout metrics`.

Usage: python scripts/bench_reports.py [FOLDER]   (default: a temporary folder)
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from closeout import evidence  # noqa: E402
from closeout.project import Project  # noqa: E402
from conftest import SCENARIO  # noqa: E402

INCIDENTS = 2000
SEED = 20261126
SYSTEMS = ["ranking", "fraud", "credit", "churn", "search", "pricing", "forecast", "ocr", "triage"]
SIGNALS = ["income", "age", "region", "clicks", "latency", "score", "label", "amount", "basket"]
CHANGES = (
    "an upstream unit change",
    "a schema migration",
    "a late feature backfill",
    "a vendor SDK upgrade",
    "a stale model snapshot",
    "a timezone shift in event logs",
    "a silent null flood",
    "a label delay",
)
EFFECTS = ("approval rate fell", "precision dropped", "alerts stayed silent", "latency spiked")
CATEGORIES = ("technical", "data", "process")
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><rect width="9" height="9"/>'
    "</svg>"
)


def vocabulary() -> tuple[list[str], list[float]]:
    """Real words from the repository's README and example postmortems, Zipf-weighted by rank."""
    sources = [ROOT / "README.md", *sorted((ROOT / "scenarios").glob("*/postmortem.yaml"))]
    counts = Counter(
        word
        for path in sources
        for word in re.findall(r"[a-z]{3,}", path.read_text(encoding="utf-8").lower())
    )
    ranked = [word for word, _ in counts.most_common()]
    return ranked, [1 / (rank + 1) for rank in range(len(ranked))]


WORDS, WEIGHTS = vocabulary()


def words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choices(WORDS, weights=WEIGHTS, k=count))


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def postmortem(number: int, rng: random.Random) -> str:
    incident = f"INC-{number:05d}"
    system, signal = rng.choice(SYSTEMS), rng.choice(SIGNALS)
    change, effect = rng.choice(CHANGES), rng.choice(EFFECTS)
    started = datetime(2023, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(1_900_000))
    detected = started + timedelta(minutes=int(rng.lognormvariate(4, 1.2)) + 1)
    diagnosed = detected + timedelta(minutes=int(rng.lognormvariate(3.5, 1)) + 1)
    mitigated = diagnosed + timedelta(minutes=int(rng.lognormvariate(3.5, 1)) + 1)
    resolved = mitigated + timedelta(minutes=int(rng.lognormvariate(5, 1)) + 1)
    causes = rng.sample(CATEGORIES, rng.randint(1, 3))
    actions = rng.randint(3, 5)
    lines = [
        f"id: {incident}",
        f"title: {system} {effect} after {change} in {signal}",
        f"severity: SEV{rng.randint(1, 4)}",
        "status: published",
        f"summary: The {system} model degraded when {change} reached {signal}. {words(rng, 60)}",
        f"impact: {{description: '{effect} for {rng.randint(10, 90000)} users; {words(rng, 12)}'}}",
        f"started_at: {stamp(started)}",
        f"detected_at: {stamp(detected)}",
        f"diagnosed_at: {stamp(diagnosed)}",
        f"mitigated_at: {stamp(mitigated)}",
        f"resolved_at: {stamp(resolved)}",
        "root_causes:",
    ]
    for index, category in enumerate(causes, start=1):
        lines.append(
            f"  - {{id: RC{index}, category: {category}, description: '{words(rng, 25)}'}}"
        )
    lines.append("actions:")
    for index in range(1, actions + 1):
        lines += [
            f"  - id: A{index}",
            f"    title: Alert on {rng.choice(SIGNALS)} {rng.choice(['drift', 'range', 'nulls'])}",
            f"    type: {rng.choice(['detect', 'prevent', 'mitigate'])}",
            f"    owner: team-{rng.choice(SYSTEMS)}",
            f"    due: 2027-{rng.randint(1, 12):02d}-15",
            f"    addresses: [RC{rng.randint(1, len(causes))}]",
            f"    success_criteria: '{words(rng, 15)}'",
        ]
        if index == actions and rng.random() < 0.3:
            lines.append("    waiver: {reason: organisational change, approved_by: head-of-ml}")
    lines.append(f"tags: [{system}, {signal}, {rng.choice(['drift', 'unit-change', 'backfill'])}]")
    return "\n".join(lines) + "\n"


def record(project: Project, incident: str, action: str, kind: str, when: datetime) -> dict:
    built = evidence.envelope(project, kind, incident, action)
    built.update(evidence.timestamps(when))
    return built


def scenario_text(action: str) -> str:
    return SCENARIO.replace("action: A1", f"action: {action}")


def run_record(
    project: Project, incident: str, scenario: str, when: datetime, with_before: bool
) -> dict:
    action = "A1" if scenario == "a1" else "A2"
    digest = hashlib.sha256(scenario_text(action).encode()).hexdigest()
    built = record(project, incident, action, "run", when)
    artifact = f"reports/{incident}/artifacts/{scenario}-fixed.svg"
    built.update(
        {
            "scenario": scenario,
            "kind": "threshold",
            "trigger": "manual" if with_before else "gate",
            "duration_s": 0.01,
            "verdict": "pass",
            "before_verdict": "fail" if with_before else None,
            "discriminating": True if with_before else None,
            "expectations": [
                {
                    "name": "HighErrorRate first fires at",
                    "outcome": "pass",
                    "observed": "1h15m",
                    "target": "1h15m",
                    "detail": "",
                }
            ],
            "metrics": {
                "alerts": {
                    "HighErrorRate": {
                        "first_fires_at": "1h15m",
                        "first_fires_after": "1h15m",
                        "firing_intervals": [["1h15m", "1h55m"]],
                    }
                }
            },
            "inputs": {
                "scenario": {"path": f"scenarios/{incident}/{scenario}.yaml", "sha256": digest},
                "files": {},
                "code": {},
            },
            "artifacts": [artifact],
            "error": None,
        }
    )
    return built


def build(root: Path) -> int:
    (root / "pyproject.toml").write_text("[tool.closeout]\n")
    project = Project(root=root)
    rng = random.Random(SEED)
    count = 0
    # Runs three days ago (fresh evidence), closures the day after them.
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    for number in range(INCIDENTS):
        text = postmortem(number, rng)
        incident = f"INC-{number:05d}"
        folder = root / "scenarios" / incident
        folder.mkdir(parents=True)
        (folder / "postmortem.yaml").write_text(text)
        for name in ("a1", "a2"):
            (folder / f"{name}.yaml").write_text(scenario_text(f"A{name[1]}"))
        artifacts = root / "reports" / incident / "artifacts"
        artifacts.mkdir(parents=True)
        for name in ("a1", "a2"):
            (artifacts / f"{name}-fixed.svg").write_text(SVG)
        records = [
            run_record(project, incident, "a1", now, True),
            run_record(project, incident, "a2", now + timedelta(seconds=1), True),
            run_record(project, incident, "a1", now + timedelta(days=2), False),
        ]
        if rng.random() < 0.5:
            closed = now + timedelta(days=1, minutes=rng.randrange(600))
            records.append(
                record(project, incident, "A1", "closure", closed)
                | {"by": "sam", "note": None, "runs": []}
            )
            if rng.random() < 0.1:
                records.append(
                    record(project, incident, "A1", "recurrence", closed + timedelta(hours=5))
                    | {"run": "", "scenario": "a1"}
                )
        out = root / "reports" / incident / "evidence"
        out.mkdir(parents=True)
        for index, item in enumerate(records):
            sealed = evidence.seal(item, key="")
            (out / f"r{index:02d}-{item['type']}.json").write_bytes(evidence.render(sealed))
            count += 1
    return count


def timed(argv: list[str], cwd: Path) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return elapsed, done.stdout


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(scratch)
        start = time.perf_counter()
        records = build(root)
        show(f"built {INCIDENTS} postmortems, {records} records", time.perf_counter() - start, "s")
        closeout = [sys.executable, "-m", "closeout"]
        report, _ = timed([*closeout, "report"], root)
        size = (root / "reports" / "index.html").stat().st_size
        start = time.perf_counter()
        for path in (root / "reports").glob("*/evidence/r*.json"):
            json.loads(path.read_bytes())
        read_all = time.perf_counter() - start
        query = [*closeout, "search", "fraud income drift"]
        first, _ = timed(query, root)
        warm = statistics.median(timed(query, root)[0] for _ in range(5))
        _, answer = timed([*query[:-1], "--json", query[-1]], root)
        hits = json.loads(answer)["total"]
        edited = root / "scenarios" / "INC-00007" / "postmortem.yaml"
        edited.write_text(edited.read_text().replace("tags: [", "tags: [edited, "))
        changed, _ = timed(query, root)
        metrics, _ = timed([*closeout, "metrics", "--json"], root)
        bare = statistics.median(timed([sys.executable, "-c", "pass"], root)[0] for _ in range(3))
        show(f"closeout report, {INCIDENTS} postmortems", report, "s", "target < 60 s")
        show(
            f"  reading all {records} records' JSON in-process",
            read_all,
            "s",
            f"report = {report / read_all:.0f}x that",
        )
        show("reports/index.html", size / 1e6, "MB", "target < 5 MB")
        show("closeout search, first after report", first, "s")
        show("closeout search, warm (median of 5)", warm, "s", f"target < 0.3 s; {hits} hits")
        show("closeout search, after a postmortem changed", changed, "s", "re-indexes")
        show("closeout metrics --json", metrics, "s")
        show("python start-up alone", bare, "s", f"warm search = {warm / bare:.1f}x that")


def show(label: str, value: float, unit: str, note: str = "") -> None:
    print(f"{label:<48} {value:7.3f} {unit:<2}" + (f"  ({note})" if note else ""))


if __name__ == "__main__":
    main()

"""`closeout status` over a large archive: 50 incidents, 20,000 evidence records.

Prints the cold time (first call builds the per-incident index caches), the warm time
(median of 5) against the target of 1 s, and the ratio to reading every record's JSON.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from closeout import evidence  # noqa: E402
from closeout.project import Project  # noqa: E402
from conftest import POSTMORTEM, SCENARIO  # noqa: E402

INCIDENTS, RECORDS = 50, 20_000


def build(root: Path) -> None:
    (root / "pyproject.toml").write_text("[tool.closeout]\n")
    project = Project(root=root)
    per_incident = RECORDS // INCIDENTS
    for number in range(INCIDENTS):
        incident = f"INC-{number:03d}"
        folder = root / "scenarios" / incident
        folder.mkdir(parents=True)
        (folder / "postmortem.yaml").write_text(POSTMORTEM.replace("id: INC-1", f"id: {incident}"))
        for name in ("a1", "a1b"):
            (folder / f"{name}.yaml").write_text(SCENARIO)
        digest = hashlib.sha256(SCENARIO.encode()).hexdigest()
        out = root / "reports" / incident / "evidence"
        out.mkdir(parents=True)
        for index in range(per_incident):
            name = ("a1", "a1b")[index % 2]
            record = evidence.envelope(project, "run", incident, "A1")
            record.update(
                {
                    "scenario": name,
                    "kind": "threshold",
                    "trigger": "ci",
                    "verdict": "pass",
                    "before_verdict": "fail",
                    "discriminating": True,
                    "started_at": f"2026-11-{1 + index * 20 // per_incident:02d}T00:00:"
                    f"{index % 60:02d}Z",
                    "inputs": {
                        "scenario": {"path": f"scenarios/{incident}/{name}.yaml", "sha256": digest},
                        "files": {},
                        "code": {},
                    },
                    "metrics": {"evaluations": index},
                }
            )
            sealed = evidence.seal(record, key="")
            (out / f"r{index:05d}-{name}.json").write_bytes(evidence.render(sealed))


def timed(argv: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(scratch)
        start = time.perf_counter()
        build(root)
        print(
            f"built {INCIDENTS} incidents, {RECORDS} records in {time.perf_counter() - start:.1f} s"
        )
        status = [sys.executable, "-m", "closeout", "status", "--json"]
        cold = timed(status, root)
        warm = statistics.median(timed(status, root) for _ in range(5))
        start = time.perf_counter()
        for path in (root / "reports").glob("*/evidence/r*.json"):
            json.loads(path.read_bytes())
        read_all = time.perf_counter() - start
        bare = statistics.median(timed([sys.executable, "-c", "pass"], root) for _ in range(3))
        print(f"closeout status, cold (builds index caches)   {cold:6.2f} s")
        print(f"closeout status, warm (median of 5)           {warm:6.2f} s  (target < 1 s)")
        print(
            f"reading all {RECORDS} records' JSON in-process  {read_all:6.2f} s  "
            f"-> warm status = {warm / read_all:.2f}x that"
        )
        print(f"python start-up alone                          {bare:6.2f} s")


if __name__ == "__main__":
    main()

"""``--shard K/N`` balance over the bundled examples (issue 14: the largest of N=4 shards
within 1.3x of total/N).

Copies the bundled incidents into a temporary project, runs every scenario once with
``closeout run`` (which records each one's duration), then asks ``closeout plan --shards 4``
for the split ``--shard K/4`` makes. Prints the largest shard against total/N, the bound no
split can beat (the longest single scenario), and a naive split (every 4th file by path) for
comparison, all from the same recorded durations.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLOSEOUT = Path(sys.executable).with_name("closeout")
SHARDS = 4
TARGET = 1.3
CONFIG = """\
[tool.closeout]
scenarios = "scenarios"
fixtures = "fixtures"
reports = "reports"
python_paths = ["src", "."]
"""


def closeout(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLOSEOUT_", "GITHUB_"))}
    return subprocess.run(
        [str(CLOSEOUT), *args], cwd=project, env=env, capture_output=True, text=True, check=False
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        for name in ("scenarios", "fixtures", "examples"):
            shutil.copytree(ROOT / name, project / name)
        (project / "pyproject.toml").write_text(CONFIG)
        ran = closeout(project, "run", "--json")
        rows = json.loads(ran.stdout)["results"]
        planned = closeout(project, "plan", "--shards", str(SHARDS), "--json")
        plan = json.loads(planned.stdout)
    durations = {e["path"]: e["duration_s"] for s in plan["shards"] for e in s["scenarios"]}
    total, largest = plan["total_s"], plan["largest_s"]
    fair = total / SHARDS
    longest = max(durations.values())
    naive = [0.0] * SHARDS
    for index, path in enumerate(sorted(durations)):
        naive[index % SHARDS] += durations[path]
    print(f"shard balance over the bundled examples ({len(rows)} scenarios run, N={SHARDS})")
    print(f"  total {total:.2f}s, total/N {fair:.2f}s")
    for shard in plan["shards"]:
        files = len(shard["scenarios"])
        print(f"  shard {shard['shard']}: {shard['duration_s']:.2f}s, {files} file(s)")
    print(f"  largest shard / (total/N): {largest / fair:.2f} (target <= {TARGET})")
    print(
        f"  bound: the longest single scenario alone is {longest / fair:.2f}x total/N, so no "
        f"split can do better than {max(1.0, longest / fair):.2f}"
    )
    print(f"  naive split (every {SHARDS}th file by path): {max(naive) / fair:.2f}x total/N")


if __name__ == "__main__":
    main()

"""`closeout search` over 2,000 postmortems: cold, warm and incremental, per kind of query.

Generates the postmortems of scripts/bench_reports.py (seeded, varied text; no evidence: a
search reads postmortems only), then prints, measured in this run, as seconds and as
multiples of Python start-up alone:

- the first search (no cache: every postmortem read, tokenised and stemmed, the cache
  written);
- warm searches (median of 5) for one word, an inflected word, three words (any-word
  matching, most of the archive matches) and a word beginning, each with its snippets;
- a search after one postmortem changed (only that file is re-read);
- the size of the cache file.

Target: a warm search < 0.3 s (bench_reports.py's figure) on an idle machine.

Usage: python scripts/bench_search.py [FOLDER]   (default: a temporary folder)
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_reports import INCIDENTS, SEED, postmortem

QUERIES = {
    "one word": "fraud",
    "inflected word": "drifting",
    "three words": "fraud income drift",
    "word beginning": "backf",
}


def build(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[tool.closeout]\n")
    rng = random.Random(SEED)
    for number in range(INCIDENTS):
        folder = root / "scenarios" / f"INC-{number:05d}"
        folder.mkdir(parents=True)
        (folder / "postmortem.yaml").write_text(postmortem(number, rng))


def timed(argv: list[str], cwd: Path) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return elapsed, done.stdout


def show(label: str, seconds: float, bare: float, note: str = "") -> None:
    line = f"{label:<44} {seconds:7.3f} s  ({seconds / bare:5.1f}x start-up)"
    print(line + (f"  {note}" if note else ""))


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(scratch)
        build(root)
        search = [sys.executable, "-m", "closeout", "search"]
        bare = statistics.median(timed([sys.executable, "-c", "pass"], root)[0] for _ in range(3))
        cold, _ = timed([*search, "fraud"], root)
        show(f"search, first ({INCIDENTS} postmortems, no cache)", cold, bare)
        for label, query in QUERIES.items():
            warm = statistics.median(timed([*search, query], root)[0] for _ in range(5))
            _, answer = timed([*search, "--json", "--limit", "20", query], root)
            found = json.loads(answer)
            snippets = sum(bool(r.get("snippet")) for r in found["results"])
            note = f"{found['total']} hits, {snippets} snippets shown"
            show(f"search, warm, {label} ({query!r})", warm, bare, note)
        edited = root / "scenarios" / "INC-00007" / "postmortem.yaml"
        edited.write_text(edited.read_text().replace("tags: [", "tags: [edited, "))
        changed, _ = timed([*search, "fraud"], root)
        show("search, after a postmortem changed", changed, bare, "re-reads that file only")
        cache = root / "reports" / ".search-index.json"
        print(f"{'cache file reports/.search-index.json':<44} {cache.stat().st_size / 1e6:7.3f} MB")
        print(f"{'python start-up alone':<44} {bare:7.3f} s")


if __name__ == "__main__":
    main()

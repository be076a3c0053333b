"""Performance figures for closeout, printed in one run (``nox -s bench``).

Each figure is compared with a baseline measured in the same run, so the ratios survive a
noisy machine better than the absolute times do.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# pydantic is expected for lint/schema; the rest must never load there.
HEAVY = ("evidently", "pandas", "scipy", "hypothesis", "sklearn", "numpy", "pydantic")


def wall(argv: list[str], runs: int = 5) -> float:
    """Median wall time of a command over ``runs`` runs (after one warm-up)."""
    subprocess.run(argv, capture_output=True, check=False, cwd=ROOT)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=False, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def imported(argv: list[str]) -> set[str]:
    """Top-level packages imported by ``python -X importtime <argv>``."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *argv],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    names = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


def alias_bomb_seconds() -> float:
    from closeout import _yaml
    from closeout.errors import YamlError

    levels = ["a: &a [" + ",".join(["x"] * 10) + "]"]
    for index in range(1, 10):
        previous, name = chr(ord("a") + index - 1), chr(ord("a") + index)
        levels.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 10) + "]")
    text = "\n".join(levels) + "\n"
    start = time.perf_counter()
    try:
        _yaml.load_text(text, "bomb.yaml")
    except YamlError:
        return time.perf_counter() - start
    raise SystemExit("the alias bomb was not rejected")


def engine_seconds(samples: int) -> float:
    from closeout.kinds.threshold import promql

    series = promql.parse_series(f"0+1x{samples // 2} {samples // 2}-1x{samples // 2}", 0, 60_000)
    grid = range(0, samples * 60_000, 60_000)
    start = time.perf_counter()
    promql.evaluate_alert(
        promql.parse_expr("s > 100 and s < 1000000"), {"s": series}, grid, 300_000, 600_000, 300_000
    )
    return time.perf_counter() - start


def main() -> None:
    python = [sys.executable, "-c", "pass"]
    closeout = [sys.executable, "-m", "closeout"]
    bare = wall(python)
    help_time = wall([*closeout, "--help"])
    lint_time = wall([*closeout, "lint", "scenarios"])
    schema_time = wall([*closeout, "schema", "scenario"])
    print(f"python -c pass (baseline)       {bare * 1000:7.1f} ms")
    print(
        f"closeout --help (median of 5)   {help_time * 1000:7.1f} ms  "
        f"= {help_time / bare:4.1f}x bare python  (target <= 300 ms)"
    )
    print(f"closeout lint scenarios         {lint_time * 1000:7.1f} ms  = {lint_time / bare:4.1f}x")
    print(
        f"closeout schema scenario        {schema_time * 1000:7.1f} ms  "
        f"= {schema_time / bare:4.1f}x"
    )
    for label, argv in (
        ("--help", ["-m", "closeout", "--help"]),
        ("lint", ["-m", "closeout", "lint", "scenarios"]),
        ("schema", ["-m", "closeout", "schema", "postmortem"]),
    ):
        heavy = sorted(set(HEAVY) & imported(argv))
        print(f"heavy imports of closeout {label:7} {heavy or 'none'}")
    print(
        f"alias bomb (10^10 nodes) rejected in {alias_bomb_seconds() * 1000:.1f} ms (target < 1 s)"
    )
    for samples in (10_000, 100_000):
        seconds = engine_seconds(samples)
        print(
            f"threshold engine: {samples:>7} evaluations in {seconds * 1000:7.1f} ms "
            f"({samples / seconds / 1e6:.2f} M evaluations/s)"
        )
    run = [*closeout, "run", "--no-evidence", "INC-2025-031"]
    run_time = wall(run, runs=3)
    print(
        f"closeout run INC-2025-031 (4 scenarios, fixed + pre-fix each) "
        f"{run_time * 1000:.0f} ms = {run_time / bare:.0f}x bare python"
    )


if __name__ == "__main__":
    main()

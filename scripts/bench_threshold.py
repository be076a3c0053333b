"""The promtool engine's overhead per scenario, printed in one run (``nox -s bench``).

For scenarios of three sizes, the engine's whole path (generate the promtool test file from
the series, write it, run ``promtool test rules``, parse what it printed into firing
instances) is timed against a bare ``promtool test rules`` on the same generated files, in
the same temporary folder. Target: engine / bare <= 1.5 for each size. Medians of
``--repeat`` runs, the two alternating so machine noise hits both.

Sizes (1m evaluation interval, rules with rate() and sum by, so promtool is needed):

- small: 2 hours, 1 alert, 3 counters
- day: 24 hours, 1 alert, 3 counters
- firing: 24 hours, 3 alerts firing for most of the day (the most output to parse)
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from closeout.kinds.threshold import promql, promtool, testfile
from closeout.kinds.threshold.engines import (
    RULES_FILE,
    TEST_FILE,
    promtool_engine,
    promtool_test_file,
)
from closeout.kinds.threshold.rules_file import AlertRule, parse

M = 60_000
TARGET = 1.5
RULES = """\
groups:
  - name: bench
    rules:
      - alert: ErrorRatio
        expr: sum by (job) (rate(errors_total[5m])) / sum by (job) (rate(requests_total[5m])) > {t}
        for: 5m
        labels: {{severity: page}}
        annotations: {{summary: "{{{{ $labels.job }}}} at {{{{ $value }}}}"}}
      - alert: ErrorRate
        expr: sum by (job) (rate(errors_total[5m])) > {t}
      - alert: Requests
        expr: rate(requests_total[5m]) > {t}
"""
SIZES = {"small": (120, 1, 0.05), "day": (1440, 1, 0.05), "firing": (1440, 3, 0.0001)}


def scenario(minutes: int, threshold: float) -> tuple[dict[str, promql.Series], str]:
    """Counters for two jobs; errors jump to 10% of requests for the middle third."""
    series = {}
    for job in ("a", "b"):
        requests = f"0+60x{minutes}"
        third = minutes // 3
        errors = f"0+1x{third} {third}+10x{third} {11 * third}+1x{minutes - 2 * third}"
        series[f'requests_total{{job="{job}"}}'] = promql.parse_series(requests, 0, M)
        series[f'errors_total{{job="{job}"}}'] = promql.parse_series(errors, 0, M)
    return series, RULES.format(t=threshold)


def engine_once(
    binary: str, rules: str, parsed: list[AlertRule], series: dict[str, promql.Series], grid: range
) -> float:
    """Generate, write, run promtool and parse: what the engine does for one scenario."""
    clock = time.perf_counter()
    inputs = testfile.inputs(dict.fromkeys(series), series, 0, M)
    promtool_engine(binary, parsed, rules, inputs, grid, M)
    return time.perf_counter() - clock


def bare_once(binary: str, folder: Path) -> float:
    clock = time.perf_counter()
    subprocess.run([binary, "test", "rules", TEST_FILE], cwd=folder, capture_output=True)
    return time.perf_counter() - clock


def measure(binary: str, size: str, repeat: int) -> tuple[float, float, int]:
    minutes, alerts, threshold = SIZES[size]
    series, rules = scenario(minutes, threshold)
    parsed = parse(rules, "bench.yml").alerts[:alerts]
    grid = range(0, (minutes + 10) * M, M)
    inputs = testfile.inputs(dict.fromkeys(series), series, 0, M)
    names = list(dict.fromkeys(r.alert for r in parsed))
    test = promtool_test_file(inputs, names, grid, M)
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, RULES_FILE).write_text(rules)
        Path(folder, TEST_FILE).write_text(test)
        engine, bare = [], []
        for _ in range(repeat):
            engine.append(engine_once(binary, rules, parsed, series, grid))
            bare.append(bare_once(binary, Path(folder)))
    return statistics.median(engine), statistics.median(bare), len(grid) * len(names)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    binary = promtool.find_promtool() or shutil.which("promtool")
    if binary is None:
        print("promtool not found: install the Debian package 'prometheus'")
        return 1
    worst = 0.0
    print(f"{'size':8} {'checks':>7} {'engine ms':>10} {'bare ms':>8} {'ratio':>6}")
    for size in SIZES:
        engine, bare, checks = measure(binary, size, args.repeat)
        ratio = engine / bare
        worst = max(worst, ratio)
        print(f"{size:8} {checks:7d} {engine * 1000:10.1f} {bare * 1000:8.1f} {ratio:6.2f}")
    verdict = "ok" if worst <= TARGET else "OVER TARGET"
    print(
        f"promtool engine / bare promtool: worst ratio {worst:.2f} (target <= {TARGET}): {verdict}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Install weight of the core (SPEC §10), printed in one run (``nox -s bench``).

Builds closeout's wheel once, then for each install measures, in a fresh ``python -m venv``
with ``pip install --no-cache-dir`` (every wheel downloaded again from pip's index):

- core: ``pip install closeout``, what a threshold-only team installs;
- v0.1: ``pip install 'closeout[drift,shadow,synthetic]'``, the same packages that
  ``pip install closeout`` installed before the extras (evidently, scipy, scikit-learn,
  hypothesis, duckdb in the core);
- all (``--all``): ``pip install 'closeout[all]'``, MLflow too.

Figures: install time, size of the environment (minus an empty venv) and package count.
Targets: core size <= 40% of v0.1's, core install well under a minute.

Then ``pytest --co`` over 3,000 generated, unrelated tests (100 files of 30): CPU time
(user + sys) and wall time, medians of ``--repeat`` runs, in the core venv with closeout
installed, then in the same venv after ``pip uninstall closeout`` (its dependencies stay),
and in the v0.1 venv (where evidently's and hypothesis's pytest plugins load). Target:
core / without closeout <= 1.10.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES, TESTS_PER_FILE = 100, 30


@dataclass(frozen=True)
class Installed:
    """One fresh venv after ``pip install``: how long it took, how much it holds."""

    label: str
    venv: Path
    seconds: float
    megabytes: float
    packages: int


def build_wheel(into: Path) -> Path:
    """closeout's wheel, built from a copy of its sources (the work tree stays untouched)."""
    sources = into / "sources"
    sources.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, sources / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    shutil.copytree(ROOT / "src", sources / "src", ignore=ignore)
    build = ["wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(into / "dist")]
    subprocess.run(
        [sys.executable, "-m", "pip", *build, str(sources)],
        check=True,
        capture_output=True,
    )
    [wheel] = (into / "dist").glob("closeout-*.whl")
    return wheel


def size_mb(path: Path) -> float:
    """Bytes on disk of every file below ``path`` (hard links once), in MB."""
    seen: set[int] = set()
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            info = os.lstat(os.path.join(folder, name))
            if info.st_ino not in seen:
                seen.add(info.st_ino)
                total += info.st_blocks * 512
    return total / 1e6


def new_venv(path: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    return path / "bin" / "python"


def package_count(python: Path) -> int:
    done = subprocess.run(
        [str(python), "-m", "pip", "list", "--format", "freeze"],
        capture_output=True,
        text=True,
        check=True,
    )
    return len(done.stdout.split())


def install(label: str, requirement: str, work: Path, empty: Installed) -> Installed:
    """A fresh venv, then ``pip install --no-cache-dir requirement``, timed."""
    venv = work / label
    python = new_venv(venv)
    clock = time.perf_counter()
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-cache-dir", requirement],
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - clock
    return Installed(
        label,
        venv,
        seconds,
        size_mb(venv) - empty.megabytes,
        package_count(python) - empty.packages,
    )


def unrelated_tests(root: Path) -> Path:
    """3,000 small tests that know nothing of closeout, in a folder of their own."""
    root.mkdir()
    (root / "pytest.ini").write_text("[pytest]\n")
    body = "".join(
        f"def test_{n}():\n    assert {n} + 1 > {n}\n\n\n" for n in range(TESTS_PER_FILE)
    )
    for index in range(FILES):
        (root / f"test_unrelated_{index:03d}.py").write_text(body)
    return root


def collect(venv: Path, tests: Path, repeat: int) -> tuple[float, float]:
    """Median CPU seconds (user + sys) and wall seconds of ``pytest --co`` over ``tests``."""
    cpu, wall = [], []
    for _ in range(repeat):
        before = os.times()
        clock = time.perf_counter()
        done = subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider"],
            cwd=tests,
            capture_output=True,
            text=True,
            check=False,
        )
        wall.append(time.perf_counter() - clock)
        after = os.times()
        cpu.append(
            after.children_user
            - before.children_user
            + after.children_system
            - before.children_system
        )
        if f"{FILES * TESTS_PER_FILE} tests collected" not in done.stdout:
            raise SystemExit(f"pytest --co in {venv.name} failed:\n{done.stdout[-2000:]}")
    return statistics.median(cpu), statistics.median(wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="pytest --co runs per venv")
    parser.add_argument("--all", action="store_true", help="also measure closeout[all]")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="closeout-bench-install-") as tmp:
        work = Path(tmp)
        wheel = build_wheel(work / "build")
        python = new_venv(work / "empty")
        empty = Installed(
            "empty", work / "empty", 0.0, size_mb(work / "empty"), package_count(python)
        )
        wanted = [("core", str(wheel)), ("v0.1", f"{wheel}[drift,shadow,synthetic]")]
        if args.all:
            wanted.append(("all", f"{wheel}[all]"))
        installs = {label: install(label, req, work, empty) for label, req in wanted}
        print_installs(installs)
        tests = unrelated_tests(work / "unrelated")
        core, today = installs["core"].venv, installs["v0.1"].venv
        with_closeout = collect(core, tests, args.repeat)
        today_figures = collect(today, tests, args.repeat)
        subprocess.run(
            [str(core / "bin" / "python"), "-m", "pip", "uninstall", "-q", "-y", "closeout"],
            check=True,
            capture_output=True,
        )
        without = collect(core, tests, args.repeat)
        print_collect(with_closeout, without, today_figures)


def print_installs(installs: dict[str, Installed]) -> None:
    today = installs["v0.1"]
    print("fresh venv, pip install --no-cache-dir (sizes exclude an empty venv)")
    print(f"{'install':8} {'seconds':>8} {'MB':>8} {'packages':>9} {'size / v0.1':>12}")
    for item in installs.values():
        share = item.megabytes / today.megabytes
        print(
            f"{item.label:8} {item.seconds:8.1f} {item.megabytes:8.0f} {item.packages:9d} "
            f"{share:12.2f}"
        )
    core = installs["core"]
    print(
        f"core size / v0.1 size = {core.megabytes / today.megabytes:.2f} (target <= 0.40); "
        f"core install {core.seconds:.1f} s (target: well under 60 s)"
    )


def print_collect(
    with_closeout: tuple[float, float], without: tuple[float, float], today: tuple[float, float]
) -> None:
    print(f"pytest --co over {FILES * TESTS_PER_FILE} unrelated tests (medians)")
    print(f"{'venv':28} {'cpu s':>7} {'wall s':>7} {'cpu ratio':>10}")
    rows = [
        ("core, closeout uninstalled", without),
        ("core, closeout installed", with_closeout),
        ("v0.1 (evidently, hypothesis)", today),
    ]
    for label, (cpu, wall) in rows:
        print(f"{label:28} {cpu:7.2f} {wall:7.2f} {cpu / without[0]:10.2f}")
    print(f"core / without closeout = {with_closeout[0] / without[0]:.2f} CPU (target <= 1.10)")


if __name__ == "__main__":
    main()

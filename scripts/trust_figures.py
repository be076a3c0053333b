"""Figures for evidence integrity (issue 11), measured in one run.

Run: ``python scripts/trust_figures.py``.

- tamper cases: every byte of a signed record flipped (each must be named by ``verify``),
  plus deletions, renames, replays, cross-incident copies, stripped signatures, re-hashed
  forgeries and future dates in a signed (``trusted_keys``) archive;
- hostile files in an evidence folder (FIFO, directory, links, garbage, wrong shapes): each
  must be named by ``verify``, and neither ``verify`` nor ``status`` may crash or hang;
- kill -9 of writers at random moments: no partial record visible, ``verify`` clean, the
  temporary files swept by the next writer once an hour old;
- concurrent writers: four processes writing at once lose nothing; four ``close`` at once
  write one closure.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from closeout import evidence  # noqa: E402
from closeout.lifecycle import Archive  # noqa: E402
from closeout.project import load_project  # noqa: E402
from closeout.signing import Ed25519Signer  # noqa: E402
from closeout.verify import verify_in  # noqa: E402
from conftest import POSTMORTEM, SCENARIO  # noqa: E402

KEY = Ed25519PrivateKey.generate()
SIGNER = Ed25519Signer(KEY)


def project(root: Path, config: str = '[tool.closeout]\ntrusted_keys = ["keys/ci.pub"]\n') -> Path:
    for incident in ("INC-1", "INC-2"):
        folder = root / "scenarios" / incident
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "postmortem.yaml").write_text(POSTMORTEM.replace("INC-1", incident))
    (root / "scenarios" / "INC-1" / "a1.yaml").write_text(SCENARIO)
    (root / "keys").mkdir(exist_ok=True)
    (root / "keys" / "ci.pub").write_bytes(
        KEY.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    (root / "pyproject.toml").write_text(config)
    return root


def write_run(root: Path, verdict: str = "pass", key: object = SIGNER, **fields: object) -> Path:
    proj = load_project(root)
    record = evidence.envelope(proj, "run", "INC-1", "A1")
    record |= {"scenario": "a1", "kind": "threshold", "verdict": verdict, "metrics": {"x": 0.5}}
    return evidence.write_record(proj, record | fields, "a1", key=key)


def named(root: Path, path: Path) -> bool:
    shown = path.relative_to(root).as_posix()
    report = verify_in(Archive(load_project(root), key=SIGNER))
    return any(f.path == shown for f in report.findings)


def byte_flips(scratch: Path) -> tuple[int, int]:
    root = project(scratch / "flips")
    path = write_run(root)
    original = path.read_bytes()
    rng = random.Random(11)
    detected = 0
    for index in range(len(original)):
        value = rng.choice([b for b in range(256) if b != original[index]])
        path.write_bytes(original[:index] + bytes([value]) + original[index + 1 :])
        detected += named(root, path)
    path.write_bytes(original)
    return detected, len(original)


def structured(scratch: Path) -> list[tuple[str, bool]]:
    """Each tampering of a signed archive, and whether verify named it."""
    results = []

    def case(name: str, act: Callable[[Path, Path, Path], tuple[Path, str]]) -> None:
        root = project(scratch / name)
        first = write_run(root)
        second = write_run(root)
        target, expect = act(root, first, second)
        report = verify_in(Archive(load_project(root), key=SIGNER))
        text = "\n".join(str(f) for f in report.findings)
        # Of a record and its copy, the one whose name sorts first counts; the other is named.
        either = [target, first] if name == "replay" else [target]
        hit = any(path.relative_to(root).as_posix() in text for path in either)
        results.append((name, hit and expect in text))

    def sha(path: Path) -> str:
        return str(json.loads(path.read_bytes())["sha256"])

    def delete(root: Path, first: Path, second: Path) -> tuple[Path, str]:
        digest = sha(first)
        first.unlink()
        return second, digest[:12]

    def rename(root: Path, first: Path, second: Path) -> tuple[Path, str]:
        target = first.with_name("renamed.json")
        first.rename(target)
        return target, "file name"

    def replay(root: Path, first: Path, second: Path) -> tuple[Path, str]:
        target = first.with_name(first.name.replace("-a1-", "-a1-again-"))
        shutil.copy(first, target)
        return target, "the same record"

    def cross(root: Path, first: Path, second: Path) -> tuple[Path, str]:
        target = root / "reports" / "INC-2" / "evidence" / first.name
        target.parent.mkdir(parents=True)
        shutil.copy(first, target)
        return target, "names incident"

    def strip(root: Path, first: Path, second: Path) -> tuple[Path, str]:
        content = json.loads(first.read_bytes()) | {"signature": None}
        first.write_bytes(evidence.render(content))
        return first, "unsigned"

    def forge(root: Path, first: Path, second: Path) -> tuple[Path, str]:
        content = json.loads(first.read_bytes()) | {"verdict": "fail"}
        resealed = evidence.seal(content, key="") | {"signature": content["signature"]}
        first.write_bytes(evidence.render(resealed))
        return first, "bad signature"

    def future(root: Path, first: Path, second: Path) -> tuple[Path, str]:
        later = evidence.timestamps(datetime(2099, 1, 1, tzinfo=UTC))
        return write_run(root, **later), "after the time of reading"

    def unsigned(root: Path, first: Path, second: Path) -> tuple[Path, str]:
        return write_run(root, key=""), "unsigned"

    for act in (delete, rename, replay, cross, strip, forge, future, unsigned):
        case(act.__name__, act)
    return results


def hostile(scratch: Path) -> list[tuple[str, bool]]:
    """Files named like records that are not: named by verify, no crash, no hang."""
    root = project(scratch / "hostile", "[tool.closeout]\n")
    folder = write_run(root, key="").parent
    makers: dict[str, Callable[[Path], None]] = {
        "fifo": lambda p: os.mkfifo(p),
        "directory": lambda p: p.mkdir(),
        "link to /dev/zero": lambda p: p.symlink_to("/dev/zero"),
        "link to /etc/passwd": lambda p: p.symlink_to("/etc/passwd"),
        "empty": lambda p: p.write_bytes(b""),
        "garbage": lambda p: p.write_bytes(os.urandom(512)),
        "latin-1": lambda p: p.write_bytes('{"a": "é"}'.encode("latin-1")),
        "array": lambda p: p.write_text("[1, 2]"),
        "deep": lambda p: p.write_text("[" * 100_000),
        "bare NaN": lambda p: p.write_text('{"a": NaN}'),
        "huge int": lambda p: p.write_text('{"schema": 2, "sha256": 1e999}'),
    }
    for field, value in {
        "runs": [123], "started_at": "zzz", "verdict": ["pass"], "inputs": [],
        "started_at_us": "x", "seed": 1.5, "prev": "ab", "signature": 7, "type": 3,
    }.items():  # fmt: skip

        def sealed(p: Path, field: str = field, value: object = value) -> None:
            record = evidence.envelope(load_project(root), "closure", "INC-1", "A1")
            p.write_bytes(evidence.render(evidence.seal(record | {field: value}, key="")))

        makers[f"sealed {field}={value!r}"] = sealed
    results = []
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError()))
    for number, (name, make) in enumerate(makers.items()):
        path = folder / f"h{number}.json"
        make(path)
        signal.alarm(30)
        try:
            ok = named(root, path)
            status = subprocess.run(
                [sys.executable, "-m", "closeout", "status"], cwd=root, capture_output=True,
                text=True, timeout=60, check=False,
            )  # fmt: skip
            ok = ok and status.returncode == 0 and "Traceback" not in status.stderr
        except Exception:  # a crash or a hang is what this counts
            ok = False
        finally:
            signal.alarm(0)
        results.append((name, ok))
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        else:
            path.unlink()
    return results


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from closeout import evidence
    from closeout.project import Project
    project = Project(root=Path(sys.argv[1]))
    for index in range(int(sys.argv[2])):
        record = evidence.envelope(project, "run", "INC-1", "A1")
        record.update({"scenario": "w", "kind": "threshold", "verdict": "pass",
                       "metrics": {"blob": "x" * 20000, "index": index}})
        evidence.write_record(project, record, "w" + sys.argv[3], key="")
    """
)


def kill_nine(scratch: Path, runs: int = 40) -> tuple[int, int, int, int, bool]:
    root = project(scratch / "killed", "[tool.closeout]\n")
    script = scratch / "writer.py"
    script.write_text(WRITER)
    rng = random.Random(7)
    folder = root / "reports" / "INC-1" / "evidence"
    for _ in range(runs):
        before = len(list(folder.glob("*.json"))) if folder.is_dir() else 0
        writer = subprocess.Popen([sys.executable, str(script), str(root), "1000", "k"])
        deadline = time.monotonic() + 120  # writing has begun: a record more than before
        while time.monotonic() < deadline and (
            not folder.is_dir() or len(list(folder.glob("*.json"))) <= before
        ):
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.3))  # then anywhere in a write
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
    report = verify_in(Archive(load_project(root), key=""))
    temps = [p for p in folder.iterdir() if p.name.startswith(".tmp-")]
    hour_ago = time.time() - 3700
    for temp in temps:
        os.utime(temp, (hour_ago, hour_ago))
    write_run(root, key="")
    swept = not any(p.name.startswith(".tmp-") for p in folder.iterdir())
    return runs, report.checked, len(report.findings), len(temps), swept and bool(report.checked)


def concurrent(scratch: Path) -> tuple[int, int, int, int]:
    root = project(scratch / "concurrent", "[tool.closeout]\n")
    script = scratch / "writer.py"
    script.write_text(WRITER)
    writers = [
        subprocess.Popen([sys.executable, str(script), str(root), "50", str(n)]) for n in range(4)
    ]
    assert [w.wait(timeout=600) for w in writers] == [0, 0, 0, 0]
    report = verify_in(Archive(load_project(root), key=""))
    closing = project(scratch / "closing", "[tool.closeout]\n")
    subprocess.run([sys.executable, "-m", "closeout", "run"], cwd=closing, capture_output=True,
                   check=True)  # fmt: skip
    closers = [
        subprocess.Popen(
            [sys.executable, "-m", "closeout", "close", "INC-1", "A1", "--by", "x"],
            cwd=closing,
            stdout=subprocess.DEVNULL,
        )
        for _ in range(4)
    ]
    [c.wait(timeout=600) for c in closers]
    closures = len(list((closing / "reports" / "INC-1" / "evidence").glob("*closure*.json")))
    return report.checked, len(report.findings), len(closers), closures


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        detected, flips = byte_flips(scratch)
        print(f"byte flips of a signed record: {detected}/{flips} named by verify")
        cases = structured(scratch)
        print(
            f"structured tampering of a signed archive: {sum(ok for _, ok in cases)}/"
            f"{len(cases)} named ({', '.join(n + ('' if ok else ' MISSED') for n, ok in cases)})"
        )
        files = hostile(scratch)
        missed = [name for name, ok in files if not ok]
        print(
            f"hostile files in an evidence folder: {len(files) - len(missed)}/{len(files)} "
            f"named, no crash, no hang{' (missed: ' + ', '.join(missed) + ')' if missed else ''}"
        )
        runs, checked, findings, temps, swept = kill_nine(scratch)
        print(
            f"kill -9 of a writer: {runs} runs, {checked} records left, {findings} findings, "
            f"{temps} temp file(s) left, swept by the next writer an hour on: {swept}"
        )
        written, bad, closers, closures = concurrent(scratch)
        print(
            f"4 concurrent writers x 50 records: {written} records, {bad} findings; "
            f"{closers} simultaneous close: {closures} closure"
        )
        print(
            f"tamper cases detected: {detected + sum(ok for _, ok in cases)}/"
            f"{flips + len(cases)}; hostile inputs tried: {len(files)}"
        )


if __name__ == "__main__":
    main()

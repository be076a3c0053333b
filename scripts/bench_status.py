"""`closeout status` over a large signed archive: 50 incidents, 20,000 evidence records.

Every record is Ed25519-signed and ``[tool.closeout] trusted_keys`` is set, so the trust
decision (sha256, signature from a trusted key, place, copies, time, references) applies to
every record. Prints the cold time (first call judges every file and writes the
authenticated index caches), the warm time (median of 5) against the target of 1 s, and the
ratio to merely reading every record's JSON in-process.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from closeout import evidence  # noqa: E402
from closeout.project import Project  # noqa: E402
from closeout.sealing import record_path, seal  # noqa: E402
from closeout.signing import Ed25519Signer  # noqa: E402
from conftest import POSTMORTEM, SCENARIO  # noqa: E402

INCIDENTS, RECORDS = 50, 20_000
START = datetime(2026, 11, 1, tzinfo=UTC)


def write_keys(root: Path) -> Ed25519Signer:
    """A CI key pair: the private key signs, the public key is the project's trusted key."""
    private = Ed25519PrivateKey.generate()
    (root / "keys").mkdir()
    (root / "keys" / "ci.pub").write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return Ed25519Signer(private)


def build(root: Path, records: int = RECORDS, incidents: int = INCIDENTS) -> None:
    """A project of ``incidents`` incidents holding ``records`` signed, chained run records."""
    (root / "pyproject.toml").write_text('[tool.closeout]\ntrusted_keys = ["keys/ci.pub"]\n')
    signer = write_keys(root)
    project = Project(root=root)
    digest = hashlib.sha256(SCENARIO.encode()).hexdigest()
    for number in range(incidents):
        incident = f"INC-{number:03d}"
        folder = root / "scenarios" / incident
        folder.mkdir(parents=True)
        (folder / "postmortem.yaml").write_text(POSTMORTEM.replace("id: INC-1", f"id: {incident}"))
        for name in ("a1", "a1b"):
            (folder / f"{name}.yaml").write_text(SCENARIO)
        prev: list[str] = []
        for index in range(records // incidents):
            name = ("a1", "a1b")[index % 2]
            record = evidence.envelope(project, "run", incident, "A1")
            record.update(evidence.timestamps(START + timedelta(minutes=index)))
            record.update(
                {
                    "id": str(uuid.uuid4()),
                    "scenario": name,
                    "kind": "threshold",
                    "trigger": "ci",
                    "verdict": "pass",
                    "before_verdict": "fail",
                    "discriminating": True,
                    "inputs": {
                        "scenario": {"path": f"scenarios/{incident}/{name}.yaml", "sha256": digest},
                        "files": {},
                        "code": {},
                    },
                    "metrics": {"evaluations": index, "score": 0.25 + index / 1000},
                    "prev": prev,
                }
            )
            sealed = seal(record, signer)
            path = record_path(project, sealed, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(evidence.render(sealed))
            prev = [sealed["sha256"]]


def timed(argv: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)}: exit {done.returncode}\n{done.stderr}")
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(scratch)
        start = time.perf_counter()
        build(root)
        print(
            f"built {INCIDENTS} incidents, {RECORDS} signed records in "
            f"{time.perf_counter() - start:.1f} s (trusted_keys set)"
        )
        status = [sys.executable, "-m", "closeout", "status", "--json"]
        cold = timed(status, root)
        warm = statistics.median(timed(status, root) for _ in range(5))
        start = time.perf_counter()
        for path in (root / "reports").glob("*/evidence/[!.]*.json"):
            json.loads(path.read_bytes())
        read_all = time.perf_counter() - start
        bare = statistics.median(timed([sys.executable, "-c", "pass"], root) for _ in range(3))
        print(f"closeout status, cold (judges every file)     {cold:6.2f} s")
        print(f"closeout status, warm (median of 5)           {warm:6.2f} s  (target < 1 s)")
        print(
            f"reading all {RECORDS} records' JSON in-process  {read_all:6.2f} s  "
            f"-> warm status = {warm / read_all:.2f}x that"
        )
        print(f"python start-up alone                          {bare:6.2f} s")


if __name__ == "__main__":
    main()

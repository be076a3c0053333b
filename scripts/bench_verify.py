"""`closeout verify` of 20,000 Ed25519-signed records (target < 10 s).

``verify`` never uses the index cache: every file is read, parsed, canonicalised (RFC 8785),
hashed, its signature checked against the trusted key, its model validated, its place and
references checked. Prints its time beside a baseline measured in the same run: reading
and parsing every record's JSON, and checking every signature alone.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_status import INCIDENTS, RECORDS, build
from cryptography.hazmat.primitives import serialization

from closeout.models.canonical import canonical_bytes


def timed(argv: list[str], cwd: Path) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, done.stdout + done.stderr


def signatures_alone(root: Path) -> float:
    """Parse every record and check its signature with cryptography directly."""
    public = serialization.load_pem_public_key((root / "keys" / "ci.pub").read_bytes())
    start = time.perf_counter()
    for path in (root / "reports").glob("*/evidence/[!.]*.json"):
        record = json.loads(path.read_bytes())
        value = base64.b64decode(record["signature"]["value"])
        public.verify(value, canonical_bytes(record))  # type: ignore[union-attr]
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(scratch)
        if not (root / "pyproject.toml").exists():
            build(root)
        elapsed, output = timed([sys.executable, "-m", "closeout", "verify"], root)
        tally = output.strip().splitlines()[-1]
        alone = signatures_alone(root)
        print(
            f"closeout verify, {RECORDS} signed records / {INCIDENTS} incidents  "
            f"{elapsed:6.2f} s  (target < 10 s): {tally}"
        )
        print(
            f"parse + RFC 8785 + Ed25519 check alone, in-process    {alone:6.2f} s  "
            f"-> verify = {elapsed / alone:.2f}x that"
        )


if __name__ == "__main__":
    main()

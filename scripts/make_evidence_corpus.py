"""Write the evidence corpus: ``tests/corpus/_evidence/<case>/``, one mistake per project.

Each case is a small closeout project whose evidence holds real records written by
closeout's own writer, then broken in exactly one way (the way ``closeout verify`` used to
miss, or a finding of issue 11). ``tests/corpus/_evidence/manifest.toml`` names, per case,
the file ``verify`` must blame and the message, written by hand. A FIFO cannot be kept in
git: the test makes ``fifo.json`` itself. Run from the repository root:

    python scripts/make_evidence_corpus.py

The Ed25519 key under ``keys/`` of the signed cases is a test key, not a secret.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from closeout import evidence  # noqa: E402
from closeout.project import Project  # noqa: E402
from closeout.signing import Ed25519Signer  # noqa: E402
from conftest import POSTMORTEM  # noqa: E402

CORPUS = ROOT / "tests" / "corpus" / "_evidence"
MOMENT = datetime(2026, 11, 30, 12, tzinfo=UTC)
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))  # a fixed test key
OTHER = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))


class Case:
    """A project being built: records are written at increasing times."""

    def __init__(self, name: str, config: str = "[tool.closeout]\n") -> None:
        self.root = CORPUS / name
        shutil.rmtree(self.root, ignore_errors=True)
        for incident in ("INC-1", "INC-2"):
            folder = self.root / "scenarios" / incident
            folder.mkdir(parents=True)
            (folder / "postmortem.yaml").write_text(POSTMORTEM.replace("INC-1", incident))
        (self.root / "pyproject.toml").write_text(config)
        (self.root / "keys").mkdir()
        (self.root / "keys" / "ci.pub").write_bytes(
            KEY.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        self.project = Project(root=self.root)
        self.tick = 0

    def write(self, record_type: str, key: Any = "", **fields: Any) -> Path:
        self.tick += 1
        moment = MOMENT + timedelta(minutes=self.tick)
        record = evidence.envelope(self.project, record_type, "INC-1", "A1", moment)
        record |= fields
        label = {"run": "a1"}.get(record_type, f"{record_type}-A1")
        return evidence.write_record(self.project, record, label, key=key)

    def run(self, verdict: str = "pass", key: Any = "", **fields: Any) -> Path:
        return self.write("run", key, scenario="a1", kind="threshold", verdict=verdict, **fields)

    def closure(self, runs: list[Path], key: Any = "") -> Path:
        shas = [json.loads(p.read_bytes())["sha256"] for p in runs]
        return self.write("closure", key, by="sam", note=None, runs=shas)


def edit(path: Path, change: Callable[[dict[str, Any]], None], reseal: bool = False) -> None:
    content = json.loads(path.read_bytes())
    change(content)
    if reseal:
        content = evidence.seal(content, key="")
    path.write_bytes(evidence.render(content))


def shown(case: Case, path: Path) -> str:
    return path.relative_to(case.root).as_posix()


def make() -> dict[str, dict[str, Any]]:
    cases: dict[str, dict[str, Any]] = {}

    def add(case: Case, file: str, message: str, why: str, **extra: Any) -> None:
        cases[case.root.name] = {"file": file, "message": message, "why": why, **extra}

    case = Case("ev-byte-edited")
    run = case.run("fail")
    edit(run, lambda c: c.update(verdict="pass"))
    add(case, shown(case, run), "sha256 does not match", "a failing run edited to pass")

    case = Case("ev-replayed-under-new-name")
    run = case.run()
    copy = run.with_name(run.name.replace("-a1-", "-a1-again-"))
    shutil.copy(run, copy)
    add(case, shown(case, copy), "the same record as", "a run copied under another label")

    case = Case("ev-copied-into-other-incident")
    run = case.run()
    other = case.root / "reports" / "INC-2" / "evidence"
    other.mkdir(parents=True)
    shutil.copy(run, other / run.name)
    add(
        case,
        shown(case, other / run.name),
        "names incident 'INC-1' but is stored in the evidence of INC-2",
        "INC-1's passing run copied into INC-2's evidence",
    )

    case = Case("ev-incident-field-disagrees")
    run = case.run()
    edit(run, lambda c: c.update(incident="INC-2"), reseal=True)
    add(
        case,
        shown(case, run),
        "names incident 'INC-2' but is stored in the evidence of INC-1",
        "a run's incident changed to INC-2 and re-sealed, left in INC-1's folder",
    )

    case = Case("ev-deleted-closure")
    closure = case.closure([case.run()])
    checkpoint = case.write("checkpoint", records=2)
    closure.unlink()
    add(
        case,
        shown(case, checkpoint),
        "prev names [0-9a-f]{12}, a record that is missing",
        "the closure a checkpoint named was deleted",
    )

    case = Case("ev-closure-without-runs")
    case.run()
    closure = case.write("closure", by="sam", note=None, runs=[])
    add(case, shown(case, closure), "closure rests on no run", "a closure with `runs: []`")

    case = Case("ev-closure-on-modified-run")
    run = case.run()
    closure = case.closure([run])
    edit(run, lambda c: c.update(duration_s=9.5))
    add(
        case,
        shown(case, closure),
        "closure rests on a modified run",
        "the run a closure rests on was edited afterwards",
    )

    case = Case("ev-future-dated")
    case.run()
    future = case.run(**evidence.timestamps(datetime(2099, 1, 1, tzinfo=UTC)))
    add(
        case,
        shown(case, future),
        "after the time of reading .* clock-skew allowance",
        "B4: a run dated 2099 (a writer's clock far ahead) would be the latest for ever",
    )

    signed = '[tool.closeout]\ntrusted_keys = ["keys/ci.pub"]\n'
    case = Case("ev-unsigned-closure-with-trusted-keys", signed)
    closure = case.closure([case.run(key=Ed25519Signer(KEY))])
    add(
        case,
        shown(case, closure),
        r"unsigned record \(trusted_keys is set\)",
        "B3: a signed run, and a closure nobody signed",
    )

    case = Case("ev-signed-by-an-untrusted-key", signed)
    run = case.run(key=Ed25519Signer(OTHER))
    add(
        case,
        shown(case, run),
        "signed by key [0-9a-f]{16}, which is not in trusted_keys",
        "a run signed by a key that trusted_keys does not list",
    )

    case = Case("ev-require-signed-without-a-key", "[tool.closeout]\nrequire_signed = true\n")
    case.run()
    add(
        case,
        "pyproject.toml",
        "require_signed is set, but no key can check a signature",
        "B5: require_signed, and no key in the environment",
        line=2,
    )

    for name, header in (
        ("cfg-spaced-table", "[ tool.closeout ]"),
        ("cfg-quoted-table", '[tool."closeout"]'),
    ):
        case = Case(f"ev-{name}", f"{header}\nrequire_signed = true\n")
        case.run()
        add(
            case,
            "pyproject.toml",
            "require_signed is set, but no key",
            f"B6: `{header}` is the closeout table: require_signed must not be dropped",
            line=2,
        )

    for name, fields, message in (
        ("runs-int", {"runs": [123]}, "malformed closure record: runs.0"),
        ("started-at-text", {"started_at": "zzz"}, "malformed closure record: started_at"),
    ):
        case = Case(f"ev-malformed-{name}")
        closure = case.write("closure", by="sam", note=None, runs=[])
        edit(closure, lambda c, f=fields: c.update(f), reseal=True)
        add(case, shown(case, closure), message, f"B14: a sealed closure with {fields}")

    case = Case("ev-malformed-verdict-list")
    run = case.run()
    edit(run, lambda c: c.update(verdict=["pass"]), reseal=True)
    add(
        case,
        shown(case, run),
        "malformed run record: verdict",
        "B14: a sealed run whose verdict is a list",
    )

    case = Case("ev-link-to-dev-zero")
    case.run()
    link = case.root / "reports" / "INC-1" / "evidence" / "zero.json"
    link.symlink_to("/dev/zero")
    add(
        case,
        shown(case, link),
        r"not a regular file \(symbolic link\)",
        "B13: a link to /dev/zero named like a record (reading it never ends)",
    )

    case = Case("ev-directory-named-like-a-record")
    case.run()
    folder = case.root / "reports" / "INC-1" / "evidence" / "old.json"
    folder.mkdir()
    (folder / "README").write_text("a folder, not a record\n")
    add(
        case,
        shown(case, folder),
        r"not a regular file \(directory\)",
        "B13: a directory named like a record",
    )

    case = Case("ev-fifo-named-like-a-record")
    case.run()
    add(
        case,
        "reports/INC-1/evidence/fifo.json",
        r"not a regular file \(FIFO\)",
        "B13: a FIFO named like a record (opening it blocks); the test makes it",
        fifo=True,
    )
    return cases


def main() -> None:
    cases = make()
    lines = [
        "# The evidence corpus: one tiny project per folder, each holding ONE broken record or",
        "# setting. Read by tests/functional/test_evidence_corpus.py; made by",
        "# scripts/make_evidence_corpus.py. Per case: the file `closeout verify` must name,",
        "# (`line` for a setting), a regular expression its message must match, and why.",
        "",
    ]
    for name, entry in sorted(cases.items()):
        lines.append(f"[{name}]")
        for key, value in entry.items():
            lines.append(f"{key} = {json.dumps(value)}")
        lines.append("")
    (CORPUS / "manifest.toml").write_text("\n".join(lines))
    print(f"wrote {len(cases)} cases under {CORPUS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

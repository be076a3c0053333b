"""The trust decision holds under any sequence of writes and tampering (issue 11, "Done when").

Random sequences of runs, closes, waivers, checkpoints, re-seals, deletions, byte edits,
signature strips, forged re-seals, renames, copies (same folder and another incident's) and
records dated in the future, under three signing policies (none, HMAC with
``require_signed``, Ed25519 with ``trusted_keys``). After every step:

1. an action's state never reflects a record ``verify`` rejects: no record it rests on is
   rejected, and the state is the one derived from a copy of the project holding only the
   records ``verify`` accepts;
2. ``verify`` names every record that was altered or deleted while a record still present
   names it (``prev``, a checkpoint, a reseal's ``attests``, a closure's ``runs``, a
   recurrence's ``run``): intactness is recomputed here with the ``rfc8785`` package;
3. every file the sequence tampered with is named by ``verify`` (of a record and its copy,
   at least one; a forged or stripped record a later ``reseal`` vouched for counts again,
   which is what a reseal is for).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import POSTMORTEM, SCENARIO

from closeout import evidence
from closeout._time import utc_now
from closeout.attest import checkpoint_in, reseal_in
from closeout.lifecycle import Archive, close_in, waive_in
from closeout.project import load_project
from closeout.signing import Ed25519Signer
from closeout.verify import VerifyReport, verify_in

PRIVATE = Ed25519PrivateKey.generate()
SIGNER = Ed25519Signer(PRIVATE)
PUBLIC_PEM = PRIVATE.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)
POLICIES = {
    "none": ("[tool.closeout]\n", ""),
    "hmac": ("[tool.closeout]\nrequire_signed = true\n", "k3y"),
    "ed25519": ('[tool.closeout]\ntrusted_keys = ["keys/ci.pub"]\n', SIGNER),
}
TWO_ACTIONS = POSTMORTEM + (
    "  - id: A2\n    title: Second alert\n    type: detect\n    owner: kim\n"
    "    due: 2099-01-01\n    addresses: [RC1]\n    success_criteria: fires\n"
)

ACTION = st.sampled_from(["A1", "A2"])
INDEX = st.integers(0, 1000)
STEP = st.one_of(
    st.tuples(st.just("run"), ACTION, st.sampled_from(["pass", "pass", "fail", "error"])),
    st.tuples(st.just("close"), ACTION),
    st.tuples(st.just("waive"), ACTION),
    st.tuples(st.just("checkpoint")),
    st.tuples(st.just("reseal")),
    st.tuples(st.just("delete"), INDEX),
    st.tuples(st.just("edit"), INDEX, st.integers(0, 10**6), st.integers(1, 255)),
    st.tuples(st.just("strip"), INDEX),
    st.tuples(st.just("forge"), INDEX),
    st.tuples(st.just("rename"), INDEX),
    st.tuples(st.just("replay"), INDEX),
    st.tuples(st.just("cross"), INDEX),
    st.tuples(st.just("future"), ACTION),
)


@dataclass
class World:
    """The project, its clock, and what the sequence did to which files."""

    root: Path
    policy: str
    now: datetime
    # groups of project-relative paths: of each group still on disk, verify names one
    tampered: list[tuple[str, set[str]]] = field(default_factory=list)
    before_edits: dict[str, bytes] = field(default_factory=dict)  # what an edit started from

    @property
    def key(self) -> Any:
        return POLICIES[self.policy][1]

    def archive(self) -> Archive:
        return Archive(load_project(self.root), clock=lambda: self.now, key=self.key)

    def folder(self, incident: str = "INC-1") -> Path:
        return self.root / "reports" / incident / "evidence"

    def files(self) -> list[Path]:
        folder = self.folder()
        return sorted(folder.glob("[!.]*.json")) if folder.is_dir() else []

    def pick(self, index: int) -> Path | None:
        files = self.files()
        return files[index % len(files)] if files else None

    def shown(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()


def make_world(tmp: Path, policy: str) -> World:
    if tmp.exists():
        shutil.rmtree(tmp)
    for incident in ("INC-1", "INC-2"):
        folder = tmp / "scenarios" / incident
        folder.mkdir(parents=True)
        (folder / "postmortem.yaml").write_text(TWO_ACTIONS.replace("INC-1", incident))
    (tmp / "scenarios" / "INC-1" / "a1.yaml").write_text(SCENARIO)
    (tmp / "scenarios" / "INC-1" / "a2.yaml").write_text(SCENARIO.replace("A1", "A2"))
    (tmp / "keys").mkdir()
    (tmp / "keys" / "ci.pub").write_bytes(PUBLIC_PEM)
    (tmp / "pyproject.toml").write_text(POLICIES[policy][0])
    return World(tmp, policy, utc_now().replace(microsecond=0))


def write_run(world: World, action: str, verdict: str, moment: datetime) -> Path:
    project = load_project(world.root)
    name = action.lower()
    digest = hashlib.sha256((world.root / f"scenarios/INC-1/{name}.yaml").read_bytes())
    record = evidence.envelope(project, "run", "INC-1", action, moment)
    record |= {
        "scenario": name,
        "kind": "threshold",
        "trigger": "manual",
        "verdict": verdict,
        "before_verdict": "fail",
        "discriminating": verdict == "pass",
        "inputs": {
            "scenario": {"path": f"scenarios/INC-1/{name}.yaml", "sha256": digest.hexdigest()},
            "files": {},
            "code": {},
        },
    }
    return evidence.write_record(project, record, name, key=world.key)


def rewrite(path: Path, change: Any) -> bool:
    """Change a record's content and write it back; False when it is no JSON object."""
    try:
        content = json.loads(path.read_bytes())
    except ValueError:
        return False
    if not isinstance(content, dict):
        return False
    change(content)
    path.write_bytes(evidence.render(content))
    return True


def apply(world: World, step: tuple[Any, ...]) -> None:
    """Do one step; a write moves the clock on by a second."""
    kind, args = step[0], step[1:]
    writes = {"run", "close", "waive", "checkpoint", "reseal"}
    if kind in writes:
        world.now += timedelta(seconds=1)
    if kind == "run":
        write_run(world, args[0], args[1], world.now)
    elif kind == "future":  # a writer whose clock runs a day ahead
        path = write_run(world, args[0], "pass", world.now + timedelta(days=1))
        world.tampered.append(("future", {world.shown(path)}))
    elif kind == "close":
        close_in(world.archive(), "INC-1", args[0], "sam", None)
    elif kind == "waive":
        waive_in(world.archive(), "INC-1", args[0], "kim", "no time", force=True)
    elif kind == "checkpoint":
        checkpoint_in(world.archive(), ["INC-1"])
    elif kind == "reseal" and world.policy != "none":
        reseal_in(world.archive(), ["INC-1"], "sam", None)
        # A reseal vouches for the records as they are now: that is what it is for.
        world.tampered = [t for t in world.tampered if t[0] not in ("forge", "strip")]
    elif kind not in writes:
        tamper(world, kind, args)


def tamper(world: World, kind: str, args: tuple[Any, ...]) -> None:
    path = world.pick(args[0])
    if path is None:
        return
    shown = world.shown(path)
    if kind == "delete":
        path.unlink()
    elif kind == "edit":
        world.before_edits.setdefault(shown, path.read_bytes())
        data = bytearray(path.read_bytes())
        data[args[1] % len(data)] ^= args[2]
        path.write_bytes(bytes(data))
        world.tampered.append((kind, {shown}))
    elif kind == "strip":  # the sha256 stays right: the signature is not part of the content
        stripped = rewrite(path, lambda c: c.update(signature=None))
        if stripped and world.policy != "none":
            world.tampered.append((kind, {shown}))
    elif kind == "forge":  # a forger without the key: new content, re-hashed, old signature
        forged = rewrite(path, forge)
        if world.policy == "none":  # a valid unsigned record now, whatever it was before
            world.tampered = [t for t in world.tampered if shown not in t[1]]
        if (
            forged and world.policy != "none"
        ):  # unsigned evidence can be forged: signing is the cure
            world.tampered.append((kind, {shown}))
    elif kind == "rename":  # a name its time and id do not give
        target = path.with_name(f"renamed-{path.name}")
        path.rename(target)
        world.tampered.append((kind, {world.shown(target)}))
    elif kind == "replay":  # the same record again, under another label
        target = path.with_name(path.name.replace("Z-", "Z-again-", 1))
        shutil.copy(path, target)
        world.tampered.append((kind, {shown, world.shown(target)}))
    elif kind == "cross":
        target = world.folder("INC-2") / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
        world.tampered.append((kind, {world.shown(target)}))


def forge(content: dict[str, Any]) -> None:
    content["by"] = "mallory"
    content["verdict"] = "pass"
    body = {k: v for k, v in content.items() if k not in ("sha256", "signature")}
    content["sha256"] = hashlib.sha256(rfc8785.dumps(body)).hexdigest()


# --------------------------------------------------------------------------- the invariants


def state_of(archive: Archive) -> list[tuple[str, str, str | None, list[str | None]]]:
    return [
        (
            s.action.id,
            s.state,
            s.closure.file if s.closure else None,
            [x.latest.file if x.latest else None for x in s.scenarios],
        )
        for s in archive.statuses(["INC-1"])
    ]


def check_state_uses_only_accepted_records(world: World, report: VerifyReport) -> None:
    archive = world.archive()
    statuses = archive.statuses(["INC-1"])
    rejected = {Path(p).name for p in report.rejected if p.startswith("reports/INC-1/")}
    for status in statuses:
        used = [status.closure, status.last_run]
        used += [r for s in status.scenarios for r in (s.latest, s.proof)]
        assert not {r.file for r in used if r} & rejected, (status.state, rejected)
    oracle = world.root.parent / "oracle"
    shutil.rmtree(oracle, ignore_errors=True)
    shutil.copytree(world.root, oracle, symlinks=True)
    for path in report.rejected:
        (oracle / path).unlink()
    clean = World(oracle, world.policy, world.now)
    assert state_of(clean.archive()) == state_of(archive)
    assert verify_in(clean.archive()).rejected == []


def intact_shas(folder: Path) -> set[str]:
    """The sha256 of every file here whose content hashes to it (RFC 8785, recomputed)."""
    found = set()
    for path in folder.glob("[!.]*.json"):
        try:
            content = json.loads(path.read_bytes())
            body = {k: v for k, v in content.items() if k not in ("sha256", "signature")}
            canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            raw = canonical.encode() if content.get("schema") == 1 else rfc8785.dumps(body)
        except (ValueError, AttributeError, TypeError, rfc8785.CanonicalizationError):
            continue
        if hashlib.sha256(raw).hexdigest() == content.get("sha256"):
            found.add(content["sha256"])
    return found


def named_by_present(folder: Path, intact: set[str]) -> set[str]:
    """Every sha256 named by an intact record still in the folder."""
    names = set()
    for path in folder.glob("[!.]*.json"):
        try:
            content = json.loads(path.read_bytes())
        except ValueError:
            continue
        if not isinstance(content, dict) or content.get("sha256") not in intact:
            continue
        for field_name in ("prev", "attests", "runs"):
            names.update(x for x in content.get(field_name) or [] if isinstance(x, str))
        if isinstance(content.get("run"), str):
            names.add(content["run"])
    return names


def check_missing_and_altered_are_named(world: World, report: VerifyReport) -> None:
    folder = world.folder()
    if not folder.is_dir():
        return
    intact = intact_shas(folder)
    text = "\n".join(str(f) for f in report.findings)
    for digest in named_by_present(folder, intact) - intact:
        assert digest[:12] in text, f"{digest[:12]} is named but gone, and verify is silent"
    named = {f.path for f in report.findings}
    for kind, group in world.tampered:
        present = {shown for shown in group if (world.root / shown).exists()}
        if kind == "replay" and len(present) < 2:
            continue  # one file left: the record under another label, nothing altered
        if kind == "edit" and all(
            (world.root / shown).read_bytes() == world.before_edits.get(shown) for shown in present
        ):
            continue  # the same byte flipped back
        if present:
            assert present & named, f"{kind}: {sorted(present)} tampered, not named"


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(policy=st.sampled_from(sorted(POLICIES)), steps=st.lists(STEP, min_size=1, max_size=16))
@pytest.mark.slow
def test_state_never_rests_on_what_verify_rejects_and_verify_names_what_was_seen(
    tmp_path: Path, policy: str, steps: list[tuple[Any, ...]]
) -> None:
    world = make_world(tmp_path / "project", policy)
    for step in steps:
        apply(world, step)
        report = verify_in(world.archive())
        check_state_uses_only_accepted_records(world, report)
        check_missing_and_altered_are_named(world, report)

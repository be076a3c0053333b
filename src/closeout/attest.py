"""Records that vouch for other records: ``checkpoint`` and ``reseal`` (SPEC §15).

- ``checkpoint`` writes, per incident, a record whose ``prev`` names the incident's heads
  (signed when a key is set). Every record is named by a later one or by the checkpoint,
  so deleting or altering any of them is reported by ``verify``. Run it after ``run``,
  ``gate`` or ``recur`` in CI; a checkpoint over nothing new is not written again.
- ``reseal`` is how an archive adopts signing without losing its history: it writes, per
  incident, a record signed with the current key that ``attests`` the sha256 of every
  record that counts today except for its signature. Where signing is required
  (``trusted_keys`` or ``require_signed``) a record attested by a trusted reseal counts
  again. The reseal vouches for what the folder holds *now*: run ``closeout verify``
  first, and reseal only evidence you trust.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from closeout.errors import UsageError
from closeout.evidence import build
from closeout.lifecycle import Archive
from closeout.models.records import CheckpointRecord, ResealRecord
from closeout.signing import SIGNING_KEY_ENV, SIGNING_KEY_FILE_ENV, SigCheck
from closeout.trust.ledger import IncidentEvidence, decide


@dataclass
class Attested:
    """What ``checkpoint`` or ``reseal`` did for one incident."""

    incident: str
    record: str | None  # the record written (project-relative), None when none was needed
    names: int  # how many records it names
    note: str = ""


def checkpoint_in(archive: Archive, incidents: list[str]) -> list[Attested]:
    """Write a checkpoint naming the heads of each incident that has new records."""
    done = []
    for incident in incidents:
        with archive.deciding(incident) as evidence:
            done.append(_checkpoint(archive, incident, evidence))
    return done


def _checkpoint(archive: Archive, incident: str, evidence: IncidentEvidence) -> Attested:
    heads = evidence.heads
    if not heads:
        return Attested(incident, None, 0, "no evidence yet")
    kinds = {f.summary.sha256: f.summary.type for f in evidence.files if f.summary}
    if len(heads) == 1 and kinds.get(heads[0]) == "checkpoint":
        return Attested(incident, None, 0, "nothing new since the last checkpoint")
    fields = archive.envelope("checkpoint", incident, "")
    fields |= {"records": len(evidence.files)}
    path = archive.write(build(CheckpointRecord, fields), "checkpoint")
    return Attested(incident, archive.project.display(path), len(heads))


def reseal_in(archive: Archive, incidents: list[str], by: str, note: str | None) -> list[Attested]:
    """Attest, per incident, every record that would count but for its signature."""
    _check_signer(archive)
    done = []
    for incident in incidents:
        with archive.deciding(incident) as evidence:
            done.append(_reseal(archive, incident, evidence, by, note))
    return done


def _check_signer(archive: Archive) -> None:
    """A reseal counts only when signed by a key the project trusts."""
    signer = archive.signer
    if signer is None:
        raise UsageError(
            f"reseal signs what it attests: set ${SIGNING_KEY_FILE_ENV} (an Ed25519 private "
            f"key, PEM) or ${SIGNING_KEY_ENV}"
        )
    if archive.keyring.trusted_keys_set and not archive.keyring.trusts(
        SigCheck("valid", signer.name)
    ):
        raise UsageError(
            f"the signing key ({signer.name}) is not in [tool.closeout] trusted_keys: "
            "a reseal signed with it would count for nothing"
        )


def _reseal(
    archive: Archive, incident: str, evidence: IncidentEvidence, by: str, note: str | None
) -> Attested:
    keyring = archive.keyring
    # What would count if signatures were not required: the records a reseal may vouch for.
    relaxed = replace(keyring, trusted_keys_set=False, require_signed=False)
    would_count = decide(incident, evidence.files, relaxed, archive.now).accepted
    signatures = {f.summary.sha256: f.sig for f in evidence.files if f.summary and f.sound}
    attested = {
        digest
        for f in evidence.files
        if f.summary and f.summary.type == "reseal" and keyring.trusts(f.sig)
        for digest in f.summary.attests
    }
    chosen = sorted(
        summary.sha256
        for summary in would_count
        if summary.type != "reseal"
        and not keyring.trusts(signatures[summary.sha256])
        and summary.sha256 not in attested
    )
    if not chosen:
        return Attested(incident, None, 0, "every record is signed or attested already")
    fields = archive.envelope("reseal", incident, "")
    fields |= {"by": by, "note": note, "attests": chosen}
    path = archive.write(build(ResealRecord, fields), "reseal")
    return Attested(incident, archive.project.display(path), len(chosen))

"""MLflow model references in a ``shadow`` scenario (SPEC §13), read without importing MLflow.

``candidate``/``baseline: {mlflow: URI}`` names a model in one of four forms:

- ``models:/NAME/VERSION``  a registered model version (VERSION a positive integer);
- ``models:/NAME@ALIAS``    the version an alias points at when the scenario runs;
- ``runs:/RUN_ID/PATH``     a model logged by a run;
- a folder of the project   holding an ``MLmodel`` file (a model saved with ``save_model``).

This module parses those forms (for the YAML model and lint), lists a local model folder's
files (hashed into ``inputs.code``, so a changed local model makes a closed action ``stale``)
and computes the folder's sha256. That digest is the one ``sha256sum`` gives when fed the
sorted manifest of the folder, so anyone can check it with coreutils::

    cd MODEL_DIR && find . -type f -printf '%P\\n' | LC_ALL=C sort \\
        | xargs -d '\\n' sha256sum | sha256sum
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

#: Registry names are free text in MLflow; closeout accepts what fits in a URI path segment.
_NAME = r"[A-Za-z0-9][A-Za-z0-9._ -]*"
_MODELS_VERSION = re.compile(rf"^models:/(?P<name>{_NAME})/(?P<version>[^/@]+)$")
_MODELS_ALIAS = re.compile(rf"^models:/(?P<name>{_NAME})@(?P<alias>[A-Za-z0-9_-]+)$")
_RUNS = re.compile(r"^runs:/(?P<run>[A-Za-z0-9_-]+)/(?P<path>[^\s]+)$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
FORMS = "models:/NAME/VERSION, models:/NAME@ALIAS, runs:/RUN_ID/PATH or a project folder"
MLMODEL = "MLmodel"


@dataclass(frozen=True)
class ModelUri:
    """A parsed model reference; ``scheme`` says which fields are set."""

    text: str
    scheme: str  # "models" | "runs" | "local"
    name: str | None = None
    version: str | None = None
    alias: str | None = None
    run_id: str | None = None
    path: str | None = None

    @property
    def needs_registry(self) -> bool:
        """Whether loading asks a tracking server or registry (``MLFLOW_TRACKING_URI``)."""
        return self.scheme != "local"


def parse_model_uri(text: str) -> ModelUri:
    """Parse one of the four forms; raise ValueError saying what to write instead."""
    cleaned = text.strip()
    if not cleaned:
        raise ValueError(f"empty model reference: write {FORMS}")
    if cleaned.startswith("models:"):
        return _models(cleaned)
    if cleaned.startswith("runs:"):
        found = _RUNS.match(cleaned)
        if found is None:
            raise ValueError(f"'{text}' is not a run model URI: write runs:/RUN_ID/PATH")
        return ModelUri(cleaned, "runs", run_id=found["run"], path=found["path"].rstrip("/"))
    if _SCHEME.match(cleaned) and not re.match(r"^[A-Za-z]:[\\/]", cleaned):
        scheme = cleaned.split(":", 1)[0]
        raise ValueError(
            f"'{text}': the scheme '{scheme}:' is not supported; write {FORMS} "
            "(a remote store is reached through a registry: set MLFLOW_TRACKING_URI)"
        )
    return ModelUri(cleaned, "local", path=cleaned)


def _models(text: str) -> ModelUri:
    if found := _MODELS_ALIAS.match(text):
        return ModelUri(text, "models", name=found["name"], alias=found["alias"])
    found = _MODELS_VERSION.match(text)
    if found is None:
        raise ValueError(
            f"'{text}' is not a registered model URI: write models:/NAME/VERSION or "
            "models:/NAME@ALIAS"
        )
    version = found["version"]
    if not version.isdigit() or int(version) < 1:
        raise ValueError(
            f"'{text}': version '{version}' is not a version number; write "
            f"models:/{found['name']}/1 (a number) or models:/{found['name']}@ALIAS "
            "(a stage or 'latest' moves to other versions after the run)"
        )
    return ModelUri(text, "models", name=found["name"], version=str(int(version)))


def folder_files(folder: Path) -> list[Path]:
    """Every regular file below ``folder``, in the byte order of their relative paths."""
    found = [p for p in folder.rglob("*") if p.is_file()]
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix().encode())


def folder_sha256(folder: Path) -> str:
    """The sha256 of the folder's ``sha256sum`` manifest (see the module docstring)."""
    manifest = hashlib.sha256()
    for path in folder_files(folder):
        digest = hashlib.sha256()
        with path.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
        relative = path.relative_to(folder).as_posix()
        manifest.update(f"{digest.hexdigest()}  {relative}\n".encode())
    return manifest.hexdigest()

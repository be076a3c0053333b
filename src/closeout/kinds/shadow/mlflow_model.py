"""MLflow models as ``shadow`` subjects (SPEC §13): resolve, download, hash, load, call.

``models:/NAME/VERSION`` and ``models:/NAME@ALIAS`` are resolved in the registry
(``MLFLOW_REGISTRY_URI``, else ``MLFLOW_TRACKING_URI``) to a version and its run id;
``runs:/RUN_ID/PATH`` is checked in the tracking store; a local folder is read where it is.
A registry model's files are downloaded once into a temporary folder, hashed
(``model_uri.folder_sha256``) and loaded from there with ``mlflow.pyfunc.load_model``, so the
digest in the evidence is that of the very bytes that were called.

Loaded models are cached for the process, keyed by the store, the resolved URI (an alias
becomes its version) and the run id; a local folder by its path and digest. Two scenarios of
one run, or a baseline and a pre-fix candidate, naming the same version load it once. When
the runner runs each scenario in a forked child, ``warm`` loads the models in the parent
first: every child inherits them loaded and asks the registry nothing (a SQLite connection
must not cross a fork).

Every problem (MLflow missing, no registry configured, a registry that cannot be reached, a
model, version, alias or run that does not exist, a model that cannot be loaded, features
that do not fit its signature) is a ``DataError`` naming the scenario line and the fix; an
exception raised by the model's own ``predict`` is the subject failing (``SubjectError``).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from closeout import _mlflow, _yaml
from closeout.callables import call_subject
from closeout.errors import CloseoutError, DataError
from closeout.kinds.shadow.model_uri import MLMODEL, ModelUri, folder_sha256
from closeout.kinds.shadow.spec import MlflowPredictions
from closeout.project import Project

_NOT_FOUND = ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE")
_SCHEMA_ERROR = "Failed to enforce schema"


@dataclass
class LoadedModel:
    """A loaded pyfunc model, what the evidence says about it, and its signature's inputs."""

    model: Any
    info: dict[str, Any]
    inputs: list[str] | None
    # The downloaded files, kept while the model is cached (a flavor may read them lazily).
    folder: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)
    # What the run resolved the URI to (``KindResult.inputs``): see ``_identity``.
    identity: dict[str, Any] = field(default_factory=dict)


_CACHE: dict[tuple[str, ...], LoadedModel] = {}
# Models warmed in this process, by store and URI as written: what a forked child uses as is.
_WARM: dict[tuple[str, str], LoadedModel] = {}


def load_model(source: MlflowPredictions, where: str, project: Project) -> LoadedModel:
    """The model ``source`` names, loaded once per process and version (see the docstring).

    ``where`` (``scenario.yaml:12: candidate.mlflow``) starts every error message.
    """
    uri = source.uri
    warmed = _WARM.get((_mlflow.registry_uri() or "", uri.text))
    if warmed is not None and uri.scheme != "local":
        return warmed
    try:
        with _mlflow.session() as mlflow:
            if uri.scheme == "local":
                return _local(uri, where, project, mlflow)
            return _registered(uri, where, mlflow)
    except _mlflow.MlflowUnavailable as exc:
        raise DataError(f"{where}: {uri.text}: {exc}") from None


def warm(sources: list[MlflowPredictions], project: Project) -> None:
    """Load the models ``sources`` name in this process, before it forks the isolated run of
    a scenario: the child then inherits them loaded. A model that cannot be loaded is left
    for the run to report, at its scenario line."""
    for source in sources:
        try:
            loaded = load_model(source, source.mlflow, project)
        except DataError:
            continue
        if source.uri.scheme != "local":
            _WARM[(_mlflow.registry_uri() or "", source.uri.text)] = loaded


def clear_cache() -> None:
    """Forget every loaded model (their temporary folders are removed)."""
    for loaded in _CACHE.values():
        if loaded.folder is not None:
            loaded.folder.cleanup()
    _CACHE.clear()
    _WARM.clear()


def locate(project: Project, display: str, field: tuple[str, ...]) -> str:
    """``scenario.yaml:LINE: a.b`` for ``field`` of the scenario file, read again (the YAML
    model keeps no lines); the file alone when it cannot be read."""
    name = ".".join(field)
    if not display:
        return name
    path = Path(display) if Path(display).is_absolute() else project.root / display
    try:
        current: Any = _yaml.load_file(path, display)
    except CloseoutError:
        return f"{display}: {name}"
    line = getattr(current, "line", 0) or 1
    for part in field:
        if not isinstance(current, _yaml.LineDict) or part not in current:
            break
        line, current = current.line_of(part), current[part]
    return f"{display}:{line}: {name}"


# --------------------------------------------------------------------------- local folders


def _local(uri: ModelUri, where: str, project: Project, mlflow: Any) -> LoadedModel:
    try:
        folder = project.resolve_inside(uri.path or "")
    except ValueError as exc:
        raise DataError(f"{where}: {exc}") from None
    if not (folder / MLMODEL).is_file():
        raise DataError(
            f"{where}: '{uri.text}' is not an MLflow model folder (no {MLMODEL} file in "
            f"{project.display(folder)}): save the model with mlflow.<flavor>.save_model there, "
            "or name a registered model (models:/NAME/VERSION)"
        )
    digest = folder_sha256(folder)
    key = ("local", str(folder), digest)
    if key not in _CACHE:
        model = _load(mlflow, folder, uri, where)
        info = _info(uri, mlflow, version=None, run_id=model.metadata.run_id, digest=digest)
        identity = _identity(info, uri.text, source=None, registry=None)
        _CACHE[key] = LoadedModel(model, info, _signature_inputs(model), identity=identity)
    return _CACHE[key]


# --------------------------------------------------------------------------- registry and runs


def _registered(uri: ModelUri, where: str, mlflow: Any) -> LoadedModel:
    store = _store(uri, where)
    client = mlflow.MlflowClient(tracking_uri=_mlflow.tracking_uri(), registry_uri=store)
    if uri.scheme == "models":
        resolved, version, run_id, source = _resolve_version(client, uri, where, store)
    else:
        resolved, version, run_id = uri.text, None, _check_run(client, uri, where, store)
        source = None
    key = ("registry", store, resolved, run_id or "")
    if key not in _CACHE:
        folder = tempfile.TemporaryDirectory(prefix="closeout-mlflow-")
        try:
            path = _download(mlflow, resolved, folder.name, uri, where)
            digest = folder_sha256(path)
            model = _load(mlflow, path, uri, where)
        except BaseException:
            folder.cleanup()
            raise
        info = _info(uri, mlflow, version=version, run_id=run_id, digest=digest)
        identity = _identity(info, resolved, source=source, registry=_mlflow.shown(store))
        _CACHE[key] = LoadedModel(model, info, _signature_inputs(model), folder, identity)
    return _CACHE[key]


def _store(uri: ModelUri, where: str) -> str:
    """The registry (``models:/``) or tracking store (``runs:/``) URI; a missing sqlite file
    is refused here, because MLflow would create an empty registry in its place."""
    store = _mlflow.registry_uri() if uri.scheme == "models" else _mlflow.tracking_uri()
    if store is None:
        raise DataError(
            f"{where}: {uri.text}: {_mlflow.TRACKING_ENV} is not set: point it at the tracking "
            "server or registry holding the model (e.g. sqlite:///path/to/mlflow.db or "
            "http://host:5000), or save the model in a project folder and name the folder"
        )
    if store.startswith("sqlite:///"):
        database = store.removeprefix("sqlite:///").split("?", 1)[0]
        if database and database != ":memory:" and not Path(database).is_file():
            raise DataError(
                f"{where}: {uri.text}: the registry {store} cannot be reached: the file "
                f"'{database}' does not exist; build the registry, or fix "
                f"{_mlflow.TRACKING_ENV}"
            )
    return store


def _resolve_version(
    client: Any, uri: ModelUri, where: str, store: str
) -> tuple[str, str, str | None, str | None]:
    """``models:/NAME/VERSION`` for the version ``uri`` names (an alias, resolved now), the
    version, its run id and its source."""
    name = uri.name or ""
    try:
        if uri.alias is not None:
            found = client.get_model_version_by_alias(name, uri.alias)
        else:
            found = client.get_model_version(name, uri.version)
    except Exception as exc:
        raise DataError(f"{where}: {uri.text}: {_missing(client, uri, store, exc)}") from None
    version = str(found.version)
    source = getattr(found, "source", None) or None
    return f"models:/{name}/{version}", version, found.run_id or None, source


def _missing(client: Any, uri: ModelUri, store: str, exc: Exception) -> str:
    """Why a registered model version could not be had, with what does exist."""
    if not _not_found(exc):
        return _unreachable(store, exc)
    name = uri.name or ""
    try:
        versions = sorted(
            (str(v.version) for v in client.search_model_versions(f"name = '{name}'")), key=int
        )
        model = client.get_registered_model(name)
    except Exception:
        names = _registered_names(client)
        known = f" (registered models: {', '.join(names)})" if names else " (it holds none)"
        return f"no registered model '{name}' in the registry {_mlflow.shown(store)}{known}"
    if uri.alias is not None:
        aliases = ", ".join(f"{a}" for a in sorted(getattr(model, "aliases", {}) or {}))
        return (
            f"registered model '{name}' has no alias '{uri.alias}' "
            f"(aliases: {aliases or 'none'}); set it, or name a version"
        )
    return (
        f"registered model '{name}' has no version {uri.version} "
        f"(versions: {', '.join(versions) or 'none'}); fix the version, or register the model"
    )


def _registered_names(client: Any) -> list[str]:
    try:
        return sorted(m.name for m in client.search_registered_models(max_results=20))
    except Exception:
        return []


def _check_run(client: Any, uri: ModelUri, where: str, store: str) -> str | None:
    try:
        client.get_run(uri.run_id)
    except Exception as exc:
        problem = (
            f"no run {uri.run_id} in the tracking store {_mlflow.shown(store)}"
            if _not_found(exc)
            else _unreachable(store, exc)
        )
        raise DataError(f"{where}: {uri.text}: {problem}") from None
    return uri.run_id


def _not_found(exc: Exception) -> bool:
    return getattr(exc, "error_code", None) in _NOT_FOUND and "not found" in str(exc).lower()


def _unreachable(store: str, exc: Exception) -> str:
    return (
        f"the registry {_mlflow.shown(store)} cannot be reached ({_mlflow.reason(exc)}); start it, "
        f"or fix {_mlflow.TRACKING_ENV}"
    )


def _download(mlflow: Any, resolved: str, folder: str, uri: ModelUri, where: str) -> Path:
    try:
        return Path(mlflow.artifacts.download_artifacts(artifact_uri=resolved, dst_path=folder))
    except Exception as exc:
        if getattr(exc, "error_code", None) in _NOT_FOUND and uri.scheme == "runs":
            problem = f"run {uri.run_id} has no model at '{uri.path}'"
        else:
            problem = f"cannot download {resolved}: {_first_line(exc)}"
        raise DataError(f"{where}: {uri.text}: {problem}") from None


# --------------------------------------------------------------------------- loading, calling


def _load(mlflow: Any, path: Path, uri: ModelUri, where: str) -> Any:
    try:
        return mlflow.pyfunc.load_model(str(path))
    except Exception as exc:
        # The model never ran: like user code that cannot be imported, this is bad input.
        raise DataError(
            f"{where}: {uri.text}: cannot load the model ({type(exc).__name__}: "
            f"{_first_line(exc)}); install what its requirements.txt lists, or fix the model"
        ) from None


def _info(
    uri: ModelUri, mlflow: Any, *, version: str | None, run_id: str | None, digest: str
) -> dict[str, Any]:
    """What the evidence records about the model (``metrics.<role>.mlflow``)."""
    return {
        "uri": uri.text,
        "name": uri.name,
        "alias": uri.alias,
        "version": version,
        "run_id": run_id,
        "sha256": digest,
        "mlflow": mlflow.__version__,
    }


def _identity(
    info: dict[str, Any], resolved: str, *, source: str | None, registry: str | None
) -> dict[str, Any]:
    """What the evidence's ``inputs.resolved`` holds for a model: the URI, what it resolved
    to (version, run id, the version's source), the folder's sha256 and the registry asked.
    ``closeout status`` asks that registry again: a version registered anew makes it stale."""
    return {
        "kind": "mlflow",
        "uri": info["uri"],
        "resolved": resolved,
        "version": info["version"],
        "run_id": info["run_id"],
        "source": source,
        "sha256": info["sha256"],
        "registry": registry,
    }


def _signature_inputs(model: Any) -> list[str] | None:
    """The column names of the model's input signature, or None without a named one."""
    try:
        schema = model.metadata.get_input_schema()
    except Exception:
        return None
    if schema is None or not getattr(schema, "has_input_names", lambda: False)():
        return None
    return [str(name) for name in schema.input_names()]


def predict(loaded: LoadedModel, features: Any, where: str, what: str) -> Any:
    """``model.predict(features)``; a signature mismatch is a DataError naming ``where``."""

    def call(frame: Any) -> Any:
        try:
            return loaded.model.predict(frame)
        except Exception as exc:
            if _SCHEMA_ERROR in str(exc):
                return _Mismatch(str(exc))
            raise

    with _mlflow.session():
        result = call_subject(call, features, what=what)
    if isinstance(result, _Mismatch):
        raise DataError(f"{where}: {loaded.info['uri']}: {result.explain(loaded.inputs)}")
    return result


@dataclass(frozen=True)
class _Mismatch:
    """MLflow refused the features before the model ran (its schema enforcement)."""

    message: str

    def explain(self, inputs: list[str] | None) -> str:
        reason = self.message.rsplit("Error: ", 1)[-1].strip().splitlines()[0]
        expected = f" (its signature: {', '.join(inputs)})" if inputs else ""
        return (
            f"the features do not match the model's signature: {reason}{expected}; fix "
            "`features:` or the data's columns and types"
        )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__

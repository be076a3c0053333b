"""MLflow, imported only when a scenario names a model or a run is logged (SPEC §13).

``import mlflow`` costs over a second, so nothing imports it at module level: ``lint``,
``status``, ``schema`` and ``--help`` never pay for it. ``session()`` imports it with
closeout's defaults in force, each applied only while closeout talks to MLflow and only when
the user has not set the variable:

- ``MLFLOW_DISABLE_TELEMETRY=true``: closeout runs offline checks; no usage reports.
- ``MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR=false``: no progress bars in pytest's output.
- ``MLFLOW_HTTP_REQUEST_MAX_RETRIES=2``, ``MLFLOW_HTTP_REQUEST_TIMEOUT=30``: a server that
  cannot be reached is reported in seconds (MLflow's own defaults retry for about 4 minutes).

Warnings raised inside MLflow and its dependencies are ignored there: pytest runs closeout's
scenarios with warnings as errors, and a deprecation notice inside SQLAlchemy is not a
verdict on the model.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

from closeout.errors import CloseoutError

TRACKING_ENV = "MLFLOW_TRACKING_URI"
REGISTRY_ENV = "MLFLOW_REGISTRY_URI"
INSTALL_HINT = "pip install 'closeout[mlflow]'"
DEFAULTS = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "30",
}


class MlflowUnavailable(CloseoutError):
    """MLflow is not installed, or fails to import."""


@contextmanager
def session() -> Iterator[ModuleType]:
    """The ``mlflow`` module, with closeout's defaults applied while the block runs."""
    added = [name for name in DEFAULTS if name not in os.environ]
    for name in added:
        os.environ[name] = DEFAULTS[name]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield _import()
    finally:
        for name in added:
            os.environ.pop(name, None)


def _import() -> ModuleType:
    try:
        import mlflow
    except ImportError as exc:
        raise MlflowUnavailable(f"MLflow is not installed ({exc}): {INSTALL_HINT}") from None
    except Exception as exc:  # a broken install: say so, never a traceback
        raise MlflowUnavailable(
            f"MLflow fails to import ({type(exc).__name__}: {exc}): reinstall it with "
            f"{INSTALL_HINT}"
        ) from None
    return mlflow


def tracking_uri() -> str | None:
    """``$MLFLOW_TRACKING_URI``, or None when it is unset or empty."""
    return os.environ.get(TRACKING_ENV, "").strip() or None


def registry_uri() -> str | None:
    """``$MLFLOW_REGISTRY_URI``, else the tracking URI (MLflow's own rule)."""
    return os.environ.get(REGISTRY_ENV, "").strip() or tracking_uri()


def reason(exc: BaseException) -> str:
    """A short cause of an MLflow failure: requests buries the one that matters ("[Errno 111]
    Connection refused") at the end of a long message that repeats the URL."""
    cause = re.search(r"\[Errno -?\d+\][^\"')]*", str(exc))
    if cause:
        return cause[0].strip()
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def shown(uri: str) -> str:
    """A store URI as it may be printed and recorded: without user name and password."""
    scheme, sep, rest = uri.partition("://")
    if sep and "@" in rest.split("/", 1)[0]:
        host_and_path = rest.split("@", 1)[1]
        return f"{scheme}://{host_and_path}"
    return uri

"""Shared fixtures: a tiny closeout project in a temporary folder."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable, Generator
from pathlib import Path

import pytest

POSTMORTEM = """\
id: INC-1
title: Error rate alert missed an outage
severity: SEV3
status: published
summary: The error rate rose for an hour and nobody was paged.
impact: {description: Checkout failed for some users., users_affected: 120}
started_at: 2025-07-01T01:00:00Z
detected_at: 2025-07-01T02:00:00Z
diagnosed_at: 2025-07-01T02:30:00Z
mitigated_at: 2025-07-01T03:00:00Z
resolved_at: 2025-07-01T04:00:00Z
timeline:
  - {at: 2025-07-01T01:00:00Z, kind: change, text: deploy}
  - {at: 2025-07-01T02:00:00Z, kind: detection, text: support ticket}
root_causes:
  - {id: RC1, category: technical, description: alert threshold too high}
actions:
  - id: A1
    title: Lower the error-rate alert threshold
    type: detect
    owner: sam
    due: 2099-01-01
    addresses: [RC1]
    success_criteria: fires within 15m of the onset
"""

SCENARIO = """\
action: A1
kind: threshold
tags: [regression]
interval: 5m
series:
  error_rate: "0.01x11 0.08x11 0.01x11"
rules:
  - {alert: HighErrorRate, expr: error_rate > 0.05, for: 15m}
expect:
  - {alert: HighErrorRate, at: 55m, firing: false}
  - {alert: HighErrorRate, first_fires_at: 1h15m}
before:
  rules:
    - {alert: HighErrorRate, expr: error_rate > 0.1, for: 15m}
"""

Write = Callable[[str, str], Path]


@pytest.fixture
def project_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with INC-1 (a valid postmortem) as the working directory; no scenario yet."""
    (tmp_path / "pyproject.toml").write_text("[tool.closeout]\n")
    incident = tmp_path / "scenarios" / "INC-1"
    incident.mkdir(parents=True)
    (incident / "postmortem.yaml").write_text(POSTMORTEM)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("CLOSEOUT_SIGNING_KEY", raising=False)
    monkeypatch.delenv("CLOSEOUT_TRIGGER", raising=False)
    monkeypatch.delenv("CLOSEOUT_ROOT", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)  # plain-text table assertions
    return tmp_path


@pytest.fixture
def write(project_dir: Path) -> Write:
    """Write a file relative to the project root (dedented) and return its path."""

    def _write(relative: str, text: str) -> Path:
        path = project_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        return path

    return _write


# The real components the tests start (promtool and the Prometheus server, Chromium,
# Graphviz). On a developer's machine a missing one skips its tests; under CI=true such a
# skip is a failure, so a missing install step can never turn a check silently off.
_REAL_COMPONENTS = ("promtool", "prometheus", "chromium", "graphviz", "dot")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Generator[None, None, None]:
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or os.environ.get("CI", "").lower() not in ("1", "true", "yes"):
        return
    reason = str(report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr)
    if any(name in reason.lower() for name in _REAL_COMPONENTS):
        report.outcome = "failed"
        report.longrepr = f"under CI a real component is required, not skipped: {reason}"

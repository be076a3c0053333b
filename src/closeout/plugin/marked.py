"""Evidence for Python tests marked ``@pytest.mark.closeout(incident=..., action=...)``.

The marker must name an existing incident and action, or the test errors in setup; a test
that runs records its outcome as an evidence record of type ``pytest``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from closeout.errors import CloseoutError
from closeout.evidence import pytest_record, write_record
from closeout.loader import load_postmortem
from closeout.models import IDENTIFIER, suggest
from closeout.plugin.items import trigger
from closeout.plugin.session import project_of
from closeout.report_text import SUMMARY_PROPERTY

# Longer node ids are cut and suffixed with a hash so the record's file name stays short.
_LABEL_MAX = 64
_LABEL_KEPT = 55


def marker_problem(item: pytest.Item, marker: pytest.Mark) -> str:
    """What is wrong with the marker's incident and action ids ("" when nothing is)."""
    incident, action = marker.kwargs.get("incident"), marker.kwargs.get("action")
    if not (isinstance(incident, str) and IDENTIFIER.match(incident)):
        return "incident= must be an incident id"
    if not (isinstance(action, str) and IDENTIFIER.match(action)):
        return "action= must be an action id"
    project = project_of(item.config)
    path = project.scenarios_dir / incident / "postmortem.yaml"
    if not path.is_file():
        incidents = [p.name for p in project.scenarios_dir.glob("*") if p.is_dir()]
        return f"no incident '{incident}'{suggest(incident, incidents)}"
    try:
        postmortem, _ = load_postmortem(project, path)
    except CloseoutError as exc:
        return f"the postmortem does not validate: {exc}"
    actions = [a.id for a in postmortem.actions]
    if action not in actions:
        return f"no action '{action}' in {incident}{suggest(action, actions)}"
    return ""


def evidence_label(nodeid: str) -> str:
    """A file-safe, unique name for a test: parametrized cases and same-named tests in
    different files are different evidence, so the whole node id is used."""
    label = "".join(c if c.isalnum() or c in "._-" else "_" for c in nodeid).strip("_")
    if len(label) > _LABEL_MAX:
        label = f"{label[:_LABEL_KEPT]}-{hashlib.sha256(nodeid.encode()).hexdigest()[:8]}"
    return label or "test"


def _report_start(report: pytest.TestReport) -> datetime | None:
    start = getattr(report, "start", None)
    return datetime.fromtimestamp(start, UTC) if isinstance(start, float | int) else None


def record_marked_test(item: pytest.Item, marker: pytest.Mark, report: pytest.TestReport) -> None:
    """Write the test's evidence record and attach its summary row to ``report``."""
    incident, action = str(marker.kwargs["incident"]), str(marker.kwargs["action"])
    project = project_of(item.config)
    label = evidence_label(item.nodeid)
    # The record names the test by its pytest node id (what `pytest`, `-k` and `gate` take);
    # only the record's file name uses the file-safe label.
    record = pytest_record(
        project,
        incident,
        action,
        item.nodeid,
        item.nodeid,
        Path(str(item.path)),
        report.passed,
        report.duration,
        trigger(item.config),
        None if report.passed else str(report.longrepr),
        started_at=_report_start(report),
    )
    path = write_record(project, record, label)
    row = {
        "incident": incident,
        "action": action,
        "scenario": item.nodeid,
        "kind": "pytest",
        "verdict": record["verdict"],
        "before_verdict": None,
        "discriminating": None,
        "vacuous": False,
        "duration_s": round(report.duration, 3),
        "evidence": project.display(path),
        "passed": report.passed,
        "path": project.display(Path(str(item.path))),
        "line": (item.location[1] + 1) if item.location[1] is not None else None,
        "failure": None if report.passed else f"test {report.outcome}",
    }
    report.user_properties.append((SUMMARY_PROPERTY, json.dumps(row)))
    # The item's properties reach the JUnit testcase (written at teardown).
    item.user_properties.append((SUMMARY_PROPERTY, json.dumps(row)))

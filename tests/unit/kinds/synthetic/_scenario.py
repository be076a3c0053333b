"""A valid synthetic scenario to break one field at a time, and lint's messages about it.

Line numbers in the tests are counted by hand in ``VALID`` (plus the ``extra`` text).
"""

from __future__ import annotations

from tests.conftest import Write

from closeout.errors import ScenarioError
from closeout.loader import load_scenario
from closeout.project import load_project

CODE = """\
def ok(df):
    return df

def check_pair(before, after):
    return True
"""

VALID = """\
action: A1
kind: synthetic
function: "code/subject.py:ok"
mode: {mode}
columns:
  income: {{dtype: float, min: 0, max: 1000000, nulls: {nulls}}}
  region: {{dtype: category, values: [EU, US, APAC]}}
  age: {{dtype: int, min: 18, max: 100}}
  signup: {{dtype: datetime, min: 2020-01-01T00:00:00Z, max: 2025-12-31T00:00:00Z}}
rows: {{min: 1, max: 20}}
examples: 5
{extra}
"""


def scenario(mode: str = "transform", nulls: str = "true", extra: str = "") -> str:
    """The valid scenario in ``mode``, with ``extra`` YAML appended (from line 12)."""
    return VALID.format(mode=mode, nulls=nulls, extra=extra)


def problems(write: Write, text: str) -> list[str]:
    """What loading (model and checks) says about ``text`` as ``scenarios/INC-1/s.yaml``."""
    write("code/subject.py", CODE)
    path = write("scenarios/INC-1/s.yaml", text)
    try:
        load_scenario(load_project(), path)
    except ScenarioError as exc:
        return [str(p) for p in exc.problems]
    return []


def located(found: list[str], line: int, field: str, message: str) -> bool:
    """One of ``found`` is ``message`` at ``s.yaml:line`` in ``field``."""
    return any(f"s.yaml:{line}: {field}: " in p and message in p for p in found)

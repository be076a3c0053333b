"""The kind's entry: light to import, its module map true, and an ``init`` template that lints.

The module map in ``kind``'s docstring orders the folder top-down; each module may import
only modules below it, so the folder has no import cycle and no import inside a function. The
template cannot ship the team's code, so lint may only say that the callables it names
are not found; once they exist, it says nothing at all.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from tests.conftest import Write

from closeout.kinds import synthetic
from closeout.kinds.synthetic import kind
from closeout.kinds.synthetic.kind import KIND
from closeout.kinds.synthetic.spec import SyntheticScenario
from closeout.lint import lint
from closeout.loader import read_raw, validate
from closeout.project import load_project

SCENARIO_FILE = "scenarios/INC-1/a1-synthetic.yaml"
USER_CODE = """\
def prepare_features(df):
    return df

def prepare_features_v1(df):
    return df
"""


def rendered() -> str:
    """The template as ``closeout init`` writes it for INC-1."""
    text = KIND.template()
    assert text is not None
    today = date.today()
    for key, value in {
        "__INCIDENT__": "INC-1",
        "__TODAY__": today.isoformat(),
        "__DUE__": (today + timedelta(days=30)).isoformat(),
    }.items():
        text = text.replace(key, value)
    return text


def as_validator(text: str) -> str:
    """The template switched to the validator mode its closing comment describes."""
    text = text.replace("mode: transform ", "mode: validator ")
    text = re.sub(r"(?ms)^properties:.*?(?=^before:)", "", text)
    return re.sub(r"(?m)^# (faults:|  - \{inject|expect:)", r"\1", text)


def problems(path: Path) -> list[str]:
    return [f"{p.field}: {p.message}" for p in lint(load_project(), [path]).problems]


def test_the_entry_imports_no_pandas_numpy_or_hypothesis() -> None:
    probe = (
        "import sys, closeout.kinds.synthetic.kind\n"
        "print(sorted(m for m in ('pandas', 'numpy', 'hypothesis') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


def test_the_template_has_every_placeholder_filled() -> None:
    assert "__" not in rendered()


def test_the_template_is_a_synthetic_scenario(project_dir: Path, write: Write) -> None:
    path = write(SCENARIO_FILE, rendered())
    raw, _ = read_raw(path, SCENARIO_FILE)
    scenario = validate(SyntheticScenario, raw, SCENARIO_FILE)
    assert scenario.mode == "transform" and scenario.before is not None
    assert len(scenario.properties) == 6 and len(scenario.edge_cases) == 2


def test_the_template_lints_clean_but_for_the_teams_own_code(
    project_dir: Path, write: Write
) -> None:
    found = problems(write(SCENARIO_FILE, rendered()))
    assert found == [
        "function: fixtures/INC-1/features.py:prepare_features: file "
        "'fixtures/INC-1/features.py' not found",
        "before.function: fixtures/INC-1/features.py:prepare_features_v1: file "
        "'fixtures/INC-1/features.py' not found",
    ]


def test_the_template_lints_clean_once_the_code_exists(project_dir: Path, write: Write) -> None:
    write("fixtures/INC-1/features.py", USER_CODE)
    assert problems(write(SCENARIO_FILE, rendered())) == []


def test_the_validator_variant_in_the_template_lints_clean(project_dir: Path, write: Write) -> None:
    write("fixtures/INC-1/features.py", USER_CODE)
    text = as_validator(rendered())
    path = write(SCENARIO_FILE, text)
    assert problems(path) == []
    raw, _ = read_raw(path, SCENARIO_FILE)
    scenario = validate(SyntheticScenario, raw, SCENARIO_FILE)
    assert scenario.mode == "validator" and len(scenario.faults) == 7
    assert scenario.expect is not None and not scenario.properties


def synthetic_imports(source: str) -> list[tuple[int, int, str]]:
    """``(line, column, module)`` of every closeout import in ``source``; sibling modules of
    this kind by their short name."""
    found: list[tuple[int, int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith("closeout"):
            continue
        module = node.module or ""
        if module == "closeout.kinds.synthetic":
            names = [alias.name for alias in node.names]
        else:
            names = [module.removeprefix("closeout.kinds.synthetic.")]
        found += [(node.lineno, node.col_offset, name) for name in names]
    return found


def test_each_module_imports_only_the_modules_below_it_in_the_map() -> None:
    package = Path(synthetic.__file__).parent
    order = re.findall(r"^``(\w+)``\s", kind.__doc__ or "", flags=re.MULTILINE)
    assert sorted(order) == sorted(p.stem for p in package.glob("*.py") if p.stem != "__init__")
    for name in order:
        for line, column, imported in synthetic_imports((package / f"{name}.py").read_text()):
            assert column == 0, f"{name}.py:{line}: a closeout import inside a block"
            if imported in order:
                assert order.index(imported) > order.index(name), f"{name}.py:{line}: {imported}"

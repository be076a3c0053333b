"""The shadow kind's entry: the files it reads, and what importing it costs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
from tests.conftest import Write
from tests.unit.kinds.shadow.cases import scenario

from closeout.kinds.shadow.kind import KIND
from closeout.loader import load_scenario
from closeout.project import load_project


def test_code_files_name_every_callable_used_fixed_and_before(
    data: pd.DataFrame, write: Write, package: str, project_dir: Path
) -> None:
    text = scenario(f'{{callable: "{package}.churn:predict_v2"}}').replace(
        "  candidate: {column: prod_score}",
        '  candidate: {callable: "tools/old_model.py:predict"}',
    )
    write("tools/old_model.py", "def predict(frame):\n    return frame['x1'] * 0\n")
    project = load_project()
    loaded = load_scenario(project, write("scenarios/INC-1/shadow.yaml", text))
    files = {project.display(p) for p in loaded.kind.code_files(loaded.model, project)}
    assert files == {f"src/{package}/churn.py", "tools/old_model.py"}
    assert loaded.kind.data_files(loaded.model) == ["fixtures/INC-1/traffic.csv"]


def test_the_entry_spec_check_and_figures_import_no_heavy_library() -> None:
    # lint, status and schema import these modules: they must not pay for NumPy or pandas.
    program = (
        "import sys\n"
        "import closeout.kinds.shadow.kind, closeout.kinds.shadow.figures\n"
        "heavy = ('numpy', 'pandas', 'scipy', 'sklearn')\n"
        "print(sorted(m for m in sys.modules if m.partition('.')[0] in heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
    assert KIND.engine == "closeout.kinds.shadow.run"

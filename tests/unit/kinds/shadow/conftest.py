"""Fixtures of the shadow tests: traffic data in the project and a model package to call."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from tests.unit.kinds.shadow.cases import MODEL, traffic


@pytest.fixture
def package(project_dir: Path) -> str:
    """A model package with a name unique to this test (modules are cached by name)."""
    name = "models_" + re.sub(r"\W", "_", project_dir.name)
    folder = project_dir / "src" / name
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    (folder / "churn.py").write_text(MODEL)
    return name


@pytest.fixture
def data(project_dir: Path) -> pd.DataFrame:
    frame = traffic()
    folder = project_dir / "fixtures" / "INC-1"
    folder.mkdir(parents=True)
    frame.to_csv(folder / "traffic.csv", index=False)
    return frame

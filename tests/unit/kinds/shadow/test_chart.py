"""The shadow chart: written by the run's artifact writer, only with an artifacts folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from tests.conftest import Write
from tests.unit.kinds.shadow.cases import run, scenario


def test_chart_is_written_only_with_an_artifacts_folder(data: pd.DataFrame, write: Write) -> None:
    result = run(write, scenario("{column: v2_score}"))
    assert [Path(a).suffix for a in result.fixed.artifacts] == [".svg"]
    svg = Path(result.fixed.artifacts[0]).read_text()
    assert svg.startswith("<svg") and "recall [region=EU]" in svg and "roc_auc" in svg
    quiet = run(write, scenario("{column: v2_score}"), artifacts=False)
    assert quiet.fixed.artifacts == [] and quiet.before.artifacts == []  # type: ignore[union-attr]

"""Encoding predictions against the labels: NaN and unseen classes are errors naming the row."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
from tests.conftest import Write
from tests.unit.kinds.shadow.cases import run, scenario


def test_nan_in_a_prediction_column_names_the_line(data: pd.DataFrame, write: Write) -> None:
    data.loc[5, "prod_score"] = np.nan
    data.to_csv("fixtures/INC-1/traffic.csv", index=False)
    result = run(write, scenario("{column: v2_score}"), artifacts=False)
    assert "fixtures/INC-1/traffic.csv:7: column 'prod_score': prediction is NaN" in (
        result.fixed.error or ""
    )


def test_unseen_classes_and_binary_labels_that_need_a_positive_class(
    project_dir: Path, write: Write
) -> None:
    frame = pd.DataFrame(
        {"y": ["cat", "dog", "cat", "owl"] * 10, "old": ["cat"] * 40, "new": ["cow"] * 40}
    )
    frame.to_csv(project_dir / "t.csv", index=False)
    text = """\
        action: A1
        kind: shadow
        data: t.csv
        label: y
        task: multiclass
        baseline: {column: old}
        candidate: {column: new}
        expect: [{metric: accuracy, at_least: 0.5}]
        """
    result = run(write, textwrap.dedent(text), artifacts=False)
    assert "classes never seen in the label: cow (label classes: cat, dog, owl)" in (
        result.fixed.error or ""
    )
    frame["y"] = frame["y"].replace({"owl": "dog"})
    frame.to_csv(project_dir / "t.csv", index=False)
    binary = textwrap.dedent(text).replace("multiclass", "binary")
    result = run(write, binary, artifacts=False)
    assert "has classes cat, dog: set `positive:`" in (result.fixed.error or "")

"""The shared data toolkit: the one timestamp-column parser every kind uses, and its errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from closeout.errors import DataError, Location
from closeout.kinds._toolkit.data import (
    check_columns,
    header_columns,
    parse_timestamps,
    timestamps_ms,
)
from closeout.project import Project

JULY_1 = 1_751_328_000_000  # 2025-07-01T00:00:00Z in epoch milliseconds


def parse(values: list[object], display: str = "data.csv") -> np.ndarray:
    return parse_timestamps(pd.DataFrame({"ts": values}), "ts", display)


def test_iso_8601_offsets_become_utc_epoch_milliseconds() -> None:
    times = parse(["2025-07-01T00:00:00Z", "2025-07-01T02:00:00+02:00", "2025-07-01T00:00:01.5Z"])
    assert times.dtype == np.int64
    assert times.tolist() == [JULY_1, JULY_1, JULY_1 + 1500]


def test_naive_values_are_read_as_utc() -> None:
    assert parse(["2025-07-01T00:00:00", "2025-07-01 00:00:01.5"]).tolist() == [
        JULY_1,
        JULY_1 + 1500,
    ]


def test_datetime_columns_in_any_unit_pass_as_they_are() -> None:
    # Parquet may store microseconds: the unit must not leak into the milliseconds
    stamps = pd.Series(pd.to_datetime(["2025-07-01T00:00:00.002"], utc=True)).dt.as_unit("us")
    assert parse_timestamps(pd.DataFrame({"ts": stamps}), "ts", "d.parquet").tolist() == [
        JULY_1 + 2
    ]


def test_the_list_form_is_the_same_parse() -> None:
    frame = pd.DataFrame({"ts": ["2025-07-01T00:00:00Z", "2025-07-01T00:00:00.250Z"]})
    listed = timestamps_ms(frame, "ts", "data.csv")
    assert listed == [JULY_1, JULY_1 + 250] and all(type(t) is int for t in listed)


@pytest.mark.parametrize(
    ("values", "display", "message"),
    [
        (
            ["2025-07-01T00:00:00Z", None, "yesterday"],
            "data.csv",
            "data.csv:3: column 'ts': empty timestamp",
        ),
        (
            ["2025-07-01T00:00:00Z", "yesterday"],
            "data.csv",
            "data.csv:3: column 'ts': cannot parse 'yesterday' as an ISO 8601 timestamp",
        ),
        (
            ["2025-07-01T00:00:00Z", "9999-01-01T00:00:00Z"],
            "data.parquet",
            "data.parquet row 1: column 'ts': cannot parse '9999-01-01T00:00:00Z' as an ISO "
            "8601 timestamp",
        ),
        ([None, None], "data.csv", "data.csv:2: column 'ts': empty timestamp"),
        (
            [1751328000, 1751331600],
            "data.csv",
            "data.csv: column 'ts' holds numbers, not timestamps: write ISO 8601 times such as "
            "2025-07-01T22:00:00Z",
        ),
        (
            ["2025-07-01T00:00:00Z", "NaT"],
            "data.csv",
            "data.csv: column 'ts': cannot parse timestamps",
        ),
    ],
    ids=["empty-first", "unparsable", "out-of-range", "all-empty", "numbers", "nat"],
)
def test_bad_values_name_the_file_the_row_and_the_column(
    values: list[object], display: str, message: str
) -> None:
    with pytest.raises(DataError) as caught:
        parse(values, display)
    assert str(caught.value) == message


def test_a_missing_column_names_the_columns_there_are() -> None:
    frame = pd.DataFrame({"time": ["2025-07-01T00:00:00Z"], "x": [1]})
    with pytest.raises(DataError, match=r"data.csv: no column 'ts'; columns are: time, x"):
        parse_timestamps(frame, "ts", "data.csv")


def test_a_directory_or_fifo_named_as_data_says_what_it_is(tmp_path: Path) -> None:
    import os

    from closeout.errors import Location
    from closeout.kinds._toolkit.data import check_data_file, read_frame
    from closeout.project import Project

    project = Project(root=tmp_path)
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "dir.csv").mkdir()
    os.mkfifo(tmp_path / "fixtures" / "pipe.csv")

    def locate(where: tuple[str | int, ...]) -> Location:
        return Location("scenarios/INC-1/a1.yaml", 3)

    found = {
        name: [
            p.message for p in check_data_file(f"fixtures/{name}", ("current",), project, locate)
        ]
        for name in ("dir.csv", "pipe.csv", "gone.csv")
    }
    assert found == {
        "dir.csv": ["file 'fixtures/dir.csv' is a directory, not a data file"],
        "pipe.csv": ["file 'fixtures/pipe.csv' is a FIFO, not a data file"],
        "gone.csv": ["file 'fixtures/gone.csv' not found"],
    }
    with pytest.raises(DataError, match="is a directory, not a data file"):
        read_frame(tmp_path / "fixtures" / "dir.csv", "fixtures/dir.csv")


def _locate(where: tuple[str | int, ...]) -> Location:
    return Location("s.yaml", len(where))


def test_header_columns_read_the_csv_header_and_the_parquet_schema(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text('\ufeffts,"income, usd",score\n1,2,3\n', encoding="utf-8")
    pd.DataFrame({"ts": [1], "x": [2.0]}).to_parquet(tmp_path / "b.parquet")
    (tmp_path / "c.parquet").write_bytes(b"not parquet")
    assert header_columns(tmp_path / "a.csv") == ["ts", "income, usd", "score"]
    assert header_columns(tmp_path / "b.parquet") == ["ts", "x"]
    assert header_columns(tmp_path / "c.parquet") is None
    assert header_columns(tmp_path / "missing.csv") is None


def test_check_columns_names_the_missing_column_and_the_likely_typo(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.csv").write_text("timestamp,income\n")
    problems = check_columns(
        Project(root=tmp_path),
        "data/a.csv",
        [("timestamp", ("timestamp_column",)), ("incom", ("monitor", "columns", 0))],
        _locate,
    )
    assert [(p.field, p.location.line) for p in problems] == [("monitor.columns[0]", 3)]
    assert "no column 'incom' in data/a.csv (did you mean 'income'?)" in problems[0].message


def test_check_columns_of_a_hive_dataset_include_the_partition_keys(tmp_path: Path) -> None:
    part = tmp_path / "ds" / "day=2025-07-01"
    part.mkdir(parents=True)
    pd.DataFrame({"x": [1.0]}).to_parquet(part / "p.parquet")
    project = Project(root=tmp_path)
    wanted: list[tuple[str, tuple[str | int, ...]]] = [("x", ("c",)), ("day", ("d",))]
    assert check_columns(project, "ds", wanted, _locate) == []
    assert check_columns(project, "ds/**/*.parquet", wanted, _locate) == []
    assert [p.field for p in check_columns(project, "ds", [("y", ("c",))], _locate)] == ["c"]
    # nothing to read: other checks say so
    (tmp_path / "empty.csv").write_text("")
    assert check_columns(project, "empty.csv", [("y", ("c",))], _locate) == []
    assert check_columns(project, "none/*.parquet", [("y", ("c",))], _locate) == []

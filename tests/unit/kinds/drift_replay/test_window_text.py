"""The per-window table of a failed drift scenario stays readable: skipped windows, many
drifted columns, corrected p-values, distances, and long replays folded around what matters."""

from __future__ import annotations

import pytest

from closeout.kinds.drift_replay.scoring import Cell
from closeout.kinds.drift_replay.verdict import WindowResult
from closeout.kinds.drift_replay.window_text import MAX_COLUMNS, window_text
from closeout.kinds.drift_replay.windows import Window

HOUR = 3_600_000
START = 1_751_328_000_000  # 2025-07-01T00:00:00Z


def cell(score: float, p_value: bool = True, adjusted: float | None = None) -> Cell:
    method = "ks" if p_value else "wasserstein"
    found = Cell(method, 0.05 if p_value else 0.1, score, True, p_value, adjusted)
    found.flagged = True
    return found


def result(k: int, cells: dict[str, Cell] | None = None, skipped: bool = False) -> WindowResult:
    window = Window(k, START + k * HOUR, START + (k + 1) * HOUR, 40 if skipped else 1200)
    judged = WindowResult(window, skipped=skipped, cells=cells or {})
    judged.alerting = bool(cells)
    return judged


def test_rows_say_skipped_count_many_columns_and_show_corrected_p_values() -> None:
    many = {f"c{i}": cell(0.001 * (i + 1)) for i in range(MAX_COLUMNS + 3)}
    windows = [
        result(0, skipped=True),
        result(1, many),
        result(2, {"x": cell(0.2, p_value=False), "y": cell(0.004, adjusted=0.008)}),
    ]
    lines = window_text(windows, [], None).splitlines()
    assert lines[0].split() == [
        "window",
        "start",
        "rows",
        "alerting",
        "drifted",
        "columns",
        "(score)",
    ]
    # a rule of dashes as wide as each column's widest cell (the notes column is empty)
    widest = "c0 p=0.001, c1 p=0.002, c2 p=0.003, c3 p=0.004, +3 more"
    assert [len(d) for d in lines[1].split()] == [20, len("1,200"), len("alerting"), len(widest)]
    assert lines[2].startswith("2025-07-01T00:00:00Z  40 ") and "skipped" in lines[2]
    assert lines[3].endswith(widest)
    assert f"c{MAX_COLUMNS} " not in lines[3]
    assert "x wasserstein=0.2, y adjusted p=0.008" in lines[4]
    assert "1,200" in lines[3] and " yes " in lines[3]


def test_a_long_replay_keeps_the_windows_of_interest_and_counts_the_others() -> None:
    windows = [result(k, {"x": cell(0.001)} if k in (40, 41) else None) for k in range(100)]
    windows[40].fires = True
    text = window_text(windows, [40], onset=START + 30 * HOUR + HOUR // 2)
    lines = text.splitlines()
    assert lines[2] == "... 28 more windows"  # windows 0-27; 28-32 surround the onset (30)
    shown = [line for line in lines if line.startswith("2025")]
    assert len(shown) == 10  # 28-32 and 38-42
    assert "<- onset" in next(line for line in shown if line.startswith("2025-07-02T06:00"))
    assert "the alert fires at its end" in next(
        line for line in shown if line.startswith("2025-07-02T16:00")
    )
    assert lines[-1] == "... 57 more windows"
    assert "... 5 more windows" in lines


@pytest.mark.parametrize("variable", ["FORCE_COLOR", "TTY_COMPATIBLE"])
def test_the_text_kept_in_evidence_is_plain_whatever_the_terminal_says(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    windows = [result(0, {"x": cell(0.001)}), result(1)]
    windows[0].fires = True
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    plain = window_text(windows, [0], None)
    monkeypatch.setenv(variable, "1")
    assert window_text(windows, [0], None) == plain
    assert "\x1b" not in plain and set(plain.splitlines()[1]) == {"-", " "}

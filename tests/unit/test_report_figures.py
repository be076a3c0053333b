"""Key figures and artifacts of run records, for the known kinds and for any other."""

from __future__ import annotations

from closeout._format import duration, number
from closeout.reports.figures import MAX_FIGURES, artifacts, generic_figures, key_figures


def test_threshold_figures_are_first_firing_and_intervals_per_alert() -> None:
    record = {
        "kind": "threshold",
        "metrics": {
            "alerts": {
                "Drift": {
                    "first_fires_at": "2025-03-14T08:15:00Z",
                    "first_fires_after": "8h15m",
                    "firing_intervals": [
                        ["2025-03-14T08:15:00Z", "2025-03-14T13:25:00Z"],
                        ["2025-03-14T15:00:00Z", "2025-03-15T01:00:00Z"],
                        ["2025-03-15T02:00:00Z", None],
                        ["2025-03-15T04:00:00Z", "2025-03-15T05:00:00Z"],
                    ],
                },
                "Quiet": {"first_fires_at": None, "firing_intervals": []},
            }
        },
    }
    assert key_figures(record) == [
        ("Drift first fires", "2025-03-14 08:15 (8h15m after start)"),
        (
            "Drift firing",
            "2025-03-14 08:15 → 13:25; 2025-03-14 15:00 → 2025-03-15 01:00; "
            "2025-03-15 02:00 → end; +1 more",
        ),
        ("Quiet first fires", "never fires"),
    ]


def test_threshold_times_without_a_start_are_offsets_from_zero() -> None:
    record = {
        "kind": "threshold",
        "metrics": {
            "alerts": {
                "High": {
                    "first_fires_at": "1970-01-01T01:15:00Z",
                    "first_fires_after": "1h15m",
                    "firing_intervals": [["1970-01-01T01:15:00Z", "1970-01-01T02:00:00Z"]],
                }
            }
        },
    }
    assert key_figures(record) == [("High first fires", "1h15m"), ("High firing", "1h15m → 2h")]


def test_drift_replay_figures_name_delay_lead_time_and_false_alarms() -> None:
    record = {
        "kind": "drift_replay",
        "metrics": {
            "fired_at": "2025-07-02T00:00:00Z",
            "detection_delay": "2h",
            "detection_delay_s": 7200.0,
            "lead_time": "9h14m",
            "lead_time_s": 33240.0,
            "false_alarms_before_onset": 0,
            "windows_evaluated": 48,
            "control": {"windows": 168, "false_alarms": 1, "false_alarm_rate_upper_95": 0.0281},
        },
    }
    assert key_figures(record) == [
        ("fired at", "2025-07-02 00:00"),
        ("detection delay", "2h"),
        ("lead time", "9h14m"),
        ("false alarms before onset", "0"),
        ("windows evaluated", "48"),
        ("control false alarms", "1 in 168 windows (95% upper bound 2.8%)"),
    ]
    assert key_figures({"kind": "drift_replay", "metrics": {"fired_at": None}}) == [
        ("fired at", "never")
    ]


def test_shadow_figures_are_point_estimates_with_their_intervals() -> None:
    record = {
        "kind": "shadow",
        "metrics": {
            "comparisons": [
                {
                    "metric": "recall",
                    "slice": "region=EU",
                    "candidate": 0.9231,
                    "baseline": 0.75,
                    "improvement": 0.1731,
                    "interval": [0.0755, 0.2826],
                    "confidence": 0.95,
                    "rows": 147,
                },
                {"metric": "agreement", "slice": "all", "candidate": 0.968, "baseline": None},
            ]
        },
    }
    assert key_figures(record) == [
        (
            "recall [region=EU]",
            "candidate 0.9231 vs baseline 0.75; improvement +0.1731 [+0.0755, +0.2826] 95% (n=147)",
        ),
        ("agreement", "candidate 0.968"),
    ]


def test_synthetic_and_unknown_kinds_fall_back_to_scalar_metrics() -> None:
    synthetic = {
        "kind": "synthetic",
        "metrics": {"examples": 200, "failures": 1, "counterexample": [{"income": 1}], "mode": "t"},
    }
    assert key_figures(synthetic) == [
        ("examples", "200"),
        ("failures", "1"),
        ("counterexample rows", "1"),
        ("mode", "t"),
    ]
    unknown = {
        "kind": "pytest_like",
        "metrics": {
            "rows": 10,
            "rate": 0.123456,
            "ok": True,
            "table": [[1, 2]],
            "nested": {"a": 1, "deep": {"x": 1}},
            "delay_s": 5.0,
            "delay": "5s",
        },
    }
    assert key_figures(unknown) == [
        ("rows", "10"),
        ("rate", "0.1235"),
        ("ok", "yes"),
        ("nested a", "1"),
        ("delay", "5s"),
    ]
    assert key_figures({"kind": "x", "metrics": None}) == []
    many = {f"m{i}": i for i in range(20)}
    assert len(generic_figures(many)) == MAX_FIGURES


def test_artifacts_are_labelled_by_the_side_they_show() -> None:
    record = {
        "artifacts": [
            "reports/I/artifacts/t-a1-3e22-fixed.svg",
            "reports/I/artifacts/t-a1-3e22-before.svg",
            "reports/I/artifacts/t-a1-3e22-fixed-evidently.html",
            "reports/I/artifacts/notes.txt",
            7,
        ]
    }
    assert [(a.kind, a.label) for a in artifacts(record)] == [
        ("image", "fixed state"),
        ("image", "pre-fix state"),
        ("html", "fixed state (evidently report)"),
        ("other", "notes.txt"),
    ]


def test_durations_and_numbers_read_like_a_person_wrote_them() -> None:
    assert [duration(s) for s in (None, 0, 45, 13220, 86400, 192000, 53939520, -90)] == [
        "-",
        "0s",
        "45s",
        "3h40m",
        "1d",
        "2d5h",
        "624d",
        "-2m",
    ]
    assert [number(v) for v in (True, 3, 0.123456, None, "x")] == ["yes", "3", "0.1235", "-", "x"]

"""Key figures of a synthetic run read like a person wrote them: no internal metric keys."""

from __future__ import annotations

from closeout.kinds.synthetic.figures import figures

METRICS = {
    "counterexamples": {},
    "edge_case_polish_calls": 3,
    "edge_cases": 1,
    "examples": 60,
    "function": "examples.ingest.validators:check_lab_batch",
    "mode": "validator",
    "searches": [{"found": [], "generated": 60, "polish_calls": 0, "seconds": 6.0}],
    "seed": 220708825,
    "timing_s": {"closeout": 0.9578, "hypothesis": 2.4404, "subject": 2.7172, "total": 6.1155},
}


def test_a_validator_run_shows_human_labels_and_where_the_time_went() -> None:
    shown = dict(figures(METRICS))
    assert shown["edge-case polishing calls"] == "3"
    assert shown["time in hypothesis"] == "2.4s" and shown["total time"] == "6.1s"
    assert shown["time in the subject"] == "2.7s"
    assert shown["counterexamples found"] == "0"
    labels = " ".join(shown)
    for internal in ("timing s", "polish calls", "edge case polish", "_"):
        assert internal not in labels, labels


def test_a_long_run_is_shown_in_minutes() -> None:
    shown = dict(figures({"timing_s": {"total": 192.4}}))
    assert shown == {"total time": "3m"}  # to the minute, as every duration of the reports

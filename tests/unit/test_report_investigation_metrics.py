"""SPEC §14 metrics and search: time to close per action type, refuted hypotheses, new fields."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta

from closeout.reports.facts import ActionFact, IncidentFact
from closeout.reports.investigation import investigation_metrics_text
from closeout.reports.metrics import compute, refuted_share
from closeout.reports.search import FIELDS, build_postings, make_doc, search

DETECTED = datetime(2025, 3, 1, 12, tzinfo=UTC)


def action(ident: str, kind: str, hours: float | None) -> ActionFact:
    closed = DETECTED + timedelta(hours=hours) if hours is not None else None
    state = "closed" if closed else "open"
    return ActionFact(ident, ident, kind, "kim", date(2099, 1, 1), state, False, (), closed)


def fact(ident: str, severity: str, *actions: ActionFact) -> IncidentFact:
    return IncidentFact(
        ident, ident, severity, "published", DETECTED - timedelta(hours=1), DETECTED,
        actions=actions,
    )  # fmt: skip


def test_time_to_close_per_action_type_is_the_median_and_p90_of_that_type() -> None:
    facts = [
        fact("I1", "SEV1", action("A1", "detect", 10), action("A2", "prevent", 100)),
        fact("I2", "SEV2", action("A1", "detect", 30), action("A2", "process", None)),
        fact("I3", "SEV2", action("A1", "detect", 20), action("A2", "prevent", 50)),
    ]
    metrics = compute(facts)
    detect = metrics["overall"]["time_to_close_by_action_type"]["detect"]
    hours = [10 * 3600, 30 * 3600, 20 * 3600]
    assert detect["n"] == 3 and detect["median_s"] == statistics.median(hours)
    # p90 by linear interpolation (numpy's default), computed by hand: 20h + 0.8 * 10h.
    assert detect["p90_s"] == (20 + 0.8 * 10) * 3600
    prevent = metrics["by_severity"]["SEV2"]["time_to_close_by_action_type"]["prevent"]
    assert (prevent["n"], prevent["median_s"]) == (1, 50 * 3600)
    process = metrics["overall"]["time_to_close_by_action_type"]["process"]
    assert process == {"n": 0, "median_s": None, "p90_s": None}
    text = investigation_metrics_text(metrics)
    assert "detect" in text and "20h / 1d4h (3)" in text


def test_the_refuted_share_counts_incidents_that_record_hypotheses() -> None:
    facts = [fact(f"I{n}", "SEV1" if n < 3 else "SEV3") for n in range(1, 6)]
    statuses = {
        "I1": ("confirmed", "refuted"),
        "I2": ("confirmed", "inconclusive"),
        "I3": ("refuted", "refuted"),
        "I4": (),
    }
    assert refuted_share(facts, statuses) == {
        "incidents_with_hypotheses": 3,
        "with_refuted_hypothesis": 2,
        "refuted_hypothesis_share": 2 / 3,
    }
    metrics = compute(facts, hypotheses=statuses)["investigation"]
    assert metrics["by_severity"]["SEV1"]["refuted_hypothesis_share"] == 0.5
    assert metrics["by_severity"]["SEV3"]["refuted_hypothesis_share"] == 1.0
    assert compute(facts)["investigation"]["overall"]["refuted_hypothesis_share"] is None


def test_search_indexes_hypotheses_evidence_titles_dissent_and_assumptions() -> None:
    data = {
        "id": "INC-1",
        "title": "An outage",
        "hypotheses": [{"statement": "the wombat cache", "note": "quokka ruled it out"}],
        "evidence": [{"title": "Numbat dashboard"}],
        "dissent": [{"view": "echidna view", "response": "bilby answer"}],
        "assumptions": ["platypus assumption"],
    }
    other = {"id": "INC-2", "title": "Another outage", "summary": "nothing"}
    docs = [make_doc(data, "2025-01-02T00:00:00Z"), make_doc(other, "2025-01-01T00:00:00Z")]
    assert "investigation" in FIELDS and len(docs[0].tokens) == len(FIELDS)
    postings = build_postings(docs)
    metas = [doc.meta() for doc in docs]
    for word in ("wombat", "quokka", "numbat", "echidna", "bilby", "platypus"):
        assert [h.doc["id"] for h in search(word, metas, postings)] == ["INC-1"], word


def test_odd_investigation_values_are_ignored_by_search() -> None:
    doc = make_doc({"id": "X", "hypotheses": "not a list", "evidence": [1, None]}, "")
    assert doc.tokens[FIELDS.index("investigation")] == ()

"""Ranked search: tokens, BM25F weights computed by hand, AND semantics, prefixes, filters,
and the on-disk index kept in step with the postmortems."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest
from tests.conftest import POSTMORTEM

from closeout.project import Project
from closeout.reports import search_cache
from closeout.reports.search import (
    FIELDS,
    SearchDoc,
    build_postings,
    field_texts,
    idf,
    make_doc,
    search,
    tokenize,
    unpack,
)


def doc(ident: str, started: str = "2025-01-01T00:00:00Z", **fields: str) -> SearchDoc:
    tokens = tuple(tuple(tokenize(fields.get(name, ""))) for name in FIELDS)
    return SearchDoc(ident, ident, "SEV3", started, ("data",), (), tokens)


def test_tokens_are_lower_case_words_without_stop_words_or_plurals() -> None:
    assert tokenize("The Alerts of INC-7: queries, classes, patches & status!") == [
        "alert",
        "inc",
        "7",
        "query",
        "class",
        "patch",
        "status",
    ]
    assert tokenize("snake_case Überwachung") == ["snake", "case", "überwachung"]


def test_weights_are_bm25f_as_computed_by_hand() -> None:
    # Two documents, title only: d0 = [drift] (length 1), d1 = [drift, alert, rule] (3);
    # average title length 2, k1 = 1.2, b = 0.75, title weight 3.
    # d0: norm = 0.25 + 0.75 * 1/2 = 0.625; tf~ = 3/0.625 = 4.8; w = 4.8*2.2/6.0 = 1.76
    # d1: norm = 0.25 + 0.75 * 3/2 = 1.375; tf~ = 3/1.375 = 2.1818; w = 2.1818*2.2/3.3818 = 1.4194
    # Stored in 26 levels of 2.2/26: round(1.76/2.2*26) = 21, round(1.4194/2.2*26) = 17.
    postings = build_postings([doc("d0", title="drift"), doc("d1", title="drift alert rule")])
    [(first, w0), (second, w1)] = unpack(postings["drift"])
    assert (first, second) == (0, 1)
    assert w0 == pytest.approx(21 / 26 * 2.2) and abs(w0 - 1.76) < 2.2 / 52
    assert w1 == pytest.approx(17 / 26 * 2.2) and abs(w1 - 1.4194) < 2.2 / 52
    # idf with N = 2 documents, df = 2: ln(1 + 0.5/2.5) = ln 1.2
    assert idf(2, 2) == pytest.approx(math.log(1.2))


def test_a_title_match_outranks_a_summary_match() -> None:
    docs = [
        doc("in-summary", summary="the income feature drifted overnight"),
        doc("in-title", title="income drift"),
        doc("elsewhere", summary="latency spike"),
    ]
    metas = [d.meta() for d in docs]
    hits = search("income", metas, build_postings(docs))
    assert [h.doc["id"] for h in hits] == ["in-title", "in-summary"]
    assert hits[0].score > hits[1].score > 0


def test_every_query_term_must_match_and_prefixes_expand() -> None:
    docs = [doc("a", title="income drift alert"), doc("b", title="income spike")]
    metas, postings = [d.meta() for d in docs], build_postings(docs)
    assert [h.doc["id"] for h in search("income drift", metas, postings)] == ["a"]
    assert [h.doc["id"] for h in search("inc dri", metas, postings)] == ["a"]
    assert search("income nothere", metas, postings) == []
    assert search("d", metas, postings) == []  # one letter is too short to expand


def test_ties_go_to_the_newest_incident_and_filters_apply() -> None:
    docs = [
        doc("old", "2024-01-01T00:00:00Z", title="drift"),
        doc("new", "2025-06-01T00:00:00Z", title="drift"),
    ]
    metas, postings = [d.meta() for d in docs], build_postings(docs)
    assert [h.doc["id"] for h in search("drift", metas, postings)] == ["new", "old"]
    assert [h.doc["id"] for h in search("", metas, postings)] == ["new", "old"]
    assert search("drift", metas, postings, severity="SEV1") == []
    assert len(search("drift", metas, postings, category="data")) == 2
    assert search("drift", metas, postings, category="process") == []


def test_fields_cover_titles_summaries_causes_actions_and_tags() -> None:
    texts = field_texts(
        {
            "id": "INC-9",
            "title": "T",
            "summary": "S",
            "impact": {"description": "I"},
            "trigger": "G",
            "root_causes": [{"description": "C"}],
            "contributing_factors": ["F"],
            "actions": [{"title": "A", "success_criteria": "K", "owner": "O", "ticket": "X"}],
            "tags": ["tag"],
        }
    )
    assert texts == {
        "title": "INC-9 T",
        "tags": "tag",
        "causes": "C F",
        "actions": "A K O X",
        "summary": "S I G",
    }
    # Odd shapes (a draft that does not lint) are skipped, never an exception.
    assert make_doc({"title": 7, "root_causes": "x", "tags": None}, "").title == "7"


@pytest.fixture
def project(tmp_path: Path) -> Project:
    for ident, title in (("INC-1", "Income drift missed"), ("INC-2", "Latency spike")):
        folder = tmp_path / "scenarios" / ident
        folder.mkdir(parents=True)
        text = POSTMORTEM.replace("id: INC-1", f"id: {ident}")
        text = text.replace("title: Error rate alert missed an outage", f"title: {title}")
        (folder / "postmortem.yaml").write_text(text)
    return Project(root=tmp_path)


def test_the_index_is_built_once_then_read_from_the_cache(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs, postings, bad = search_cache.load_index(project)
    assert [d["id"] for d in docs] and bad == []
    assert search_cache.cache_path(project).is_file()

    def no_reading(path: Path) -> None:
        raise AssertionError(f"{path} was re-read although it did not change")

    monkeypatch.setattr(search_cache, "read_postmortem_leniently", no_reading)
    again, postings_again, _ = search_cache.load_index(project)
    assert (again, postings_again) == (docs, postings)


def test_a_changed_or_new_postmortem_is_re_read(project: Project) -> None:
    search_cache.load_index(project)
    path = project.scenarios_dir / "INC-2" / "postmortem.yaml"
    path.write_text(path.read_text().replace("Latency spike", "Latency spike after a drift"))
    os.utime(path, ns=(1, 1))  # a different mtime even on a coarse clock
    docs, postings, _ = search_cache.load_index(project)
    assert {h.doc["id"] for h in search("drift", docs, postings)} == {"INC-1", "INC-2"}
    new = project.scenarios_dir / "INC-3"
    new.mkdir()
    (new / "postmortem.yaml").write_text("id: INC-3\ntitle: drift again\n")
    docs, postings, _ = search_cache.load_index(project)
    assert {h.doc["id"] for h in search("drift", docs, postings)} == {"INC-1", "INC-2", "INC-3"}


def test_unreadable_yaml_is_reported_and_left_out(project: Project) -> None:
    (project.scenarios_dir / "INC-2" / "postmortem.yaml").write_text("title: [unclosed\n")
    docs, _, bad = search_cache.load_index(project)
    assert [d["id"] for d in docs] == ["INC-1"]
    assert bad == ["scenarios/INC-2/postmortem.yaml"]
    assert search_cache.load_index(project)[2] == bad  # remembered, not re-read each time


def test_a_corrupt_cache_is_rebuilt(project: Project) -> None:
    search_cache.load_index(project)
    search_cache.cache_path(project).write_text("{not json")
    docs, _, _ = search_cache.load_index(project)
    assert len(docs) == 2

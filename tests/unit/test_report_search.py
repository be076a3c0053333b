"""Ranked search: Snowball terms, BM25F weights computed by hand, any-word matching with the
all-words bonus, prefixes, snippets, filters, and the on-disk index kept in step with the
postmortems."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest
from tests.conftest import POSTMORTEM

from closeout.project import Project
from closeout.reports import search_cache
from closeout.reports.search import (
    FIELDS,
    IDF_SCALE,
    LEVELS,
    Hit,
    SearchDoc,
    build_forms,
    build_postings,
    field_texts,
    idf,
    make_doc,
    page_index,
    rank,
    search,
    tokenize,
    unpack,
)
from closeout.reports.search_snippet import ELLIPSIS, WINDOW, Snippet, snippet


def doc(ident: str, started: str = "2025-01-01T00:00:00Z", **fields: str) -> SearchDoc:
    tokens = tuple(tuple(tokenize(fields.get(name, ""))) for name in FIELDS)
    return SearchDoc(ident, ident, "SEV3", started, ("data",), (), tokens)


def ids(hits: list[Hit]) -> list[str]:
    return [h.doc["id"] for h in hits]


def test_terms_are_snowball_english_stems_without_stop_words() -> None:
    # Porter2 (Snowball English) stems, as listed in the algorithm's published vocabulary.
    assert tokenize("The Drifting alerts of INC-7: queries, generously misreading!") == [
        "drift",
        "alert",
        "inc",
        "7",
        "queri",
        "generous",
        "misread",
    ]
    assert tokenize("snake_case Überwachung") == ["snake", "case", "überwachung"]


def test_weights_are_bm25f_as_computed_by_hand() -> None:
    # Two documents, title only: d0 = [drift] (length 1), d1 = [drift, alert, rule] (3);
    # average title length 2, k1 = 1.2, b = 0.75, title weight 3.
    # d0: norm = 0.25 + 0.75 * 1/2 = 0.625; tf~ = 3/0.625 = 4.8; w/(k1+1) = 4.8/6.0 = 0.8
    # d1: norm = 0.25 + 0.75 * 3/2 = 1.375; tf~ = 2.1818; w/(k1+1) = 2.1818/3.3818 = 0.64516
    # Stored in 500 levels: 400 and round(322.58) = 323. idf(N=2, df=2) = ln(1.2).
    postings = build_postings([doc("d0", title="drift"), doc("d1", title="drift alert rule")])
    scaled, pairs = unpack(postings["drift"])
    assert pairs == [(0, 400), (1, 323)]
    assert scaled == round(math.log(1.2) * 1e6) and idf(2, 2) == pytest.approx(math.log(1.2))
    hits = search("drift", [{"id": "d0"}, {"id": "d1"}], postings)
    assert ids(hits) == ["d0", "d1"]
    # score = idf * w(t, d), to within the 1/500 and 1e-6 quantisation steps
    assert hits[0].score == pytest.approx(math.log(1.2) * 0.8 * 2.2, abs=2.2 / LEVELS)
    assert hits[1].score == pytest.approx(math.log(1.2) * 0.64516 * 2.2, abs=2.2 / LEVELS)
    assert hits[0].numerator == scaled * 400 * 2 and IDF_SCALE == 10**6


def test_a_title_match_outranks_a_summary_match() -> None:
    docs = [
        doc("in-summary", summary="the income feature drifted overnight"),
        doc("in-title", title="income drift"),
        doc("elsewhere", summary="latency spike"),
    ]
    hits = search("income", [d.meta() for d in docs], build_postings(docs))
    assert ids(hits) == ["in-title", "in-summary"]
    assert hits[0].score > hits[1].score > 0


def test_any_word_matches_and_all_words_earn_the_bonus() -> None:
    # The example: "model slice regressed" found nothing while "model slice" found 2.
    docs = [
        doc("both", title="model slice accuracy"),
        doc("slice", title="slice metrics"),
        doc("rare", title="regressed"),
        doc("none", title="latency spike"),
    ]
    metas, postings = [d.meta() for d in docs], build_postings(docs)
    assert set(ids(search("model slice regressed", metas, postings))) == {"both", "slice", "rare"}
    two = search("model slice", metas, postings)
    assert ids(two) == ["both", "slice"]
    # "both" holds every word: its plain BM25F sum earns x 3/2.
    alone = [
        next(h.numerator for h in search(word, metas, postings) if h.doc["id"] == "both")
        for word in ("model", "slice")
    ]
    assert two[0].numerator == sum(alone) * 3 // 2
    assert search("income nothere", metas, postings) == []


def test_inflections_and_prefixes_find_their_words() -> None:
    docs = [
        make_doc({"id": "a", "summary": "the income drifted and the reader misread digits"}, ""),
        make_doc({"id": "b", "title": "income spike"}, ""),
    ]
    metas, postings, forms = [d.meta() for d in docs], build_postings(docs), build_forms(docs)
    for query in ("drifting", "drifts", "misreading", "misreads"):
        assert ids(search(query, metas, postings, forms=forms)) == ["a"], query
    # A word absent from the index stands for the words it begins: "drif", "driftE" -> drifted
    assert ids(search("drif", metas, postings, forms=forms)) == ["a"]
    assert ids(search("drifte", metas, postings, forms=forms)) == ["a"]
    assert ids(search("inc dri", metas, postings, forms=forms)) == ["a", "b"]
    assert search("d", metas, postings, forms=forms) == []  # one letter is too short


def test_a_query_without_words_lists_everything_newest_first_and_filters_apply() -> None:
    docs = [
        doc("old", "2024-01-01T00:00:00Z", title="drift"),
        doc("new", "2025-06-01T00:00:00Z", title="drift"),
    ]
    metas, postings = [d.meta() for d in docs], build_postings(docs)
    assert ids(search("drift", metas, postings)) == ["new", "old"]  # a tie: newest first
    for query in ("", "the of", "!!! ---"):
        assert rank(query, postings) is None
        assert ids(search(query, metas, postings)) == ["new", "old"]
    assert search("drift", metas, postings, severity="SEV1") == []
    assert len(search("drift", metas, postings, category="data")) == 2
    assert search("drift", metas, postings, category="process") == []


def test_fields_cover_titles_summaries_causes_actions_and_tags() -> None:
    data = {
        "id": "INC-9",
        "title": "T",
        "summary": "S one. S two!",
        "impact": {"description": "I"},
        "trigger": "G",
        "root_causes": [{"description": "C"}],
        "contributing_factors": ["F"],
        "actions": [{"title": "A", "success_criteria": "K", "owner": "O", "ticket": "X"}],
        "tags": ["tag"],
    }
    assert field_texts(data) == {
        "title": "INC-9 T",
        "tags": "tag",
        "causes": "C F",
        "actions": "A K O X",
        "summary": "S one. S two! I G",
    }
    # Snippet passages: sentences of the summary, causes, actions (no owners or tickets).
    assert make_doc(data, "").passages == ("S one.", "S two!", "I", "G", "C", "F", "A", "K")
    # Odd shapes (a draft that does not lint) are skipped, never an exception.
    assert make_doc({"title": 7, "root_causes": "x", "tags": None}, "").title == "7"


def test_the_snippet_is_the_best_window_of_the_best_passage() -> None:
    weights = {"drift": 5, "alert": 1}
    filler = " ".join(f"w{i}" for i in range(40))
    passages = [
        "An alert fired.",
        f"{filler} the income drifted and the drift alert stayed silent {filler}",
    ]
    cut = snippet(passages, weights)
    assert cut.text.startswith(ELLIPSIS) and cut.text.endswith(ELLIPSIS)
    assert len(cut.text.strip(ELLIPSIS).split()) == WINDOW
    assert [cut.text[s:e] for s, e in cut.marks] == ["drifted", "drift", "alert"]
    # The window is centred on its matches: words to read on both sides of them.
    before, after = cut.text[: cut.marks[0][0]].split(), cut.text[cut.marks[-1][1] :].split()
    assert len(before) >= 8 and len(after) >= 8, cut.text
    assert "".join(text for text, _ in cut.segments()) == cut.text
    # Nothing matched (the words were in the title): the first passage, unmarked.
    assert snippet(passages, {"spike": 3}) == Snippet("An alert fired.", ())
    assert snippet([], weights) == Snippet("", ()) and snippet(["..."], weights).text == ""
    # Offsets count code points (what Python slices by), marks never split a word.
    cut = snippet(["Ωμέγα \U0001d49clpha drifted"], {"drift": 1})
    assert [cut.text[s:e] for s, e in cut.marks] == ["drifted"]


def test_the_page_index_carries_what_the_script_needs() -> None:
    docs = [make_doc({"id": "a", "summary": "drifted"}, ""), make_doc({"id": "b"}, "")]
    index = page_index(docs)
    assert index["documents"] == 2 and index["forms"] == {"drifted": "drift"}
    assert index["postings"] == build_postings(docs) and index["bonus"] == [3, 2]
    json.dumps(index)  # plain JSON


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
    index = search_cache.load_index(project)
    assert [d["id"] for d in index.docs] and index.unreadable == []
    assert search_cache.cache_path(project).is_file()
    assert index.passages(0)[0][0] == "The error rate rose for an hour and nobody was paged."

    def no_reading(path: Path) -> None:
        raise AssertionError(f"{path} was re-read although it did not change")

    monkeypatch.setattr(search_cache, "read_postmortem_leniently", no_reading)
    assert search_cache.load_index(project) == index


def test_a_changed_or_new_postmortem_is_re_read(project: Project) -> None:
    search_cache.load_index(project)
    path = project.scenarios_dir / "INC-2" / "postmortem.yaml"
    path.write_text(path.read_text().replace("Latency spike", "Latency spike after drifting"))
    os.utime(path, ns=(1, 1))  # a different mtime even on a coarse clock
    index = search_cache.load_index(project)
    found = search("drift", index.docs, index.postings, forms=index.forms)
    assert {h.doc["id"] for h in found} == {"INC-1", "INC-2"}
    new = project.scenarios_dir / "INC-3"
    new.mkdir()
    (new / "postmortem.yaml").write_text("id: INC-3\ntitle: drift again\n")
    index = search_cache.load_index(project)
    found = search("drifts", index.docs, index.postings, forms=index.forms)
    assert {h.doc["id"] for h in found} == {"INC-1", "INC-2", "INC-3"}


def test_unreadable_yaml_is_reported_and_left_out(project: Project) -> None:
    (project.scenarios_dir / "INC-2" / "postmortem.yaml").write_text("title: [unclosed\n")
    index = search_cache.load_index(project)
    assert [d["id"] for d in index.docs] == ["INC-1"]
    assert index.unreadable == ["scenarios/INC-2/postmortem.yaml"]
    assert search_cache.load_index(project).unreadable == index.unreadable  # remembered


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        json.dumps({"version": search_cache.CACHE_VERSION, "docs": [{"meta": 1}]}),
        json.dumps({"version": search_cache.CACHE_VERSION, "docs": "x", "postings": []}),
    ],
)
def test_a_corrupt_cache_is_rebuilt(project: Project, text: str) -> None:
    search_cache.load_index(project)
    search_cache.cache_path(project).write_text(text)
    assert len(search_cache.load_index(project).docs) == 2


def test_a_search_reads_only_the_lines_of_the_results_it_shows(project: Project) -> None:
    first = search_cache.load_index(project)
    path = search_cache.cache_path(project)
    head, *lines = path.read_text().split("\n")
    assert len(lines) == 3 and lines[-1] == ""  # one line per document, then the newline
    path.write_text("\n".join([head, "{broken", lines[1], ""]))
    index = search_cache.load_index(project)
    assert index.docs == first.docs and index.passages(0) == ([], {})  # no snippet, no traceback
    assert index.passages(1) == first.passages(1)


def test_a_cache_of_an_older_version_is_rebuilt(project: Project) -> None:
    # A version-2 cache: plural-stripped tokens, no passages or forms.
    old = {
        "version": 2,
        "docs": [
            {"meta": {"id": "INC-1"}, "key": key, "tokens": ["x"] * 6}
            for key in search_cache.postmortem_keys(project).values()
        ],
        "unreadable": {},
        "postings": {"x": "Z0"},
    }
    search_cache.cache_path(project).parent.mkdir(parents=True, exist_ok=True)
    search_cache.cache_path(project).write_text(json.dumps(old))
    index = search_cache.load_index(project)
    assert sorted(d["id"] for d in index.docs) == ["INC-1", "INC-2"]
    head = search_cache.cache_path(project).read_text().split("\n")[0]
    assert json.loads(head)["version"] == 3


def test_a_snippet_cut_with_the_documents_word_forms_equals_one_cut_by_stemming() -> None:
    data = {
        "id": "INC-4",
        "summary": "Alerts were drifting. The reader misread the generously sized digits.",
        "root_causes": [{"description": "Queries regressed after the slices were rebuilt."}],
    }
    made = make_doc(data, "")
    forms = dict(made.forms)
    for terms in ({"drift": 2, "misread": 1}, {"queri": 1, "slice": 3}, {"nothing": 1}):
        assert snippet(made.passages, terms, forms) == snippet(made.passages, terms), terms

"""Ranked search over the archive: BM25F over any-word matches, the same in the CLI and the page.

Each incident is one document (``search_docs``) with six fields. Their weights say how much a
word there tells about what the incident is:

- title (with the id) 3: the author's one-line compression of the incident;
- tags 2: curated keywords, few and deliberate;
- root causes (with contributing factors) 1.5 and actions (title, success criteria, owner,
  ticket) 1.5: what the postmortem concluded and what will change, the substance a searcher
  usually looks for;
- summary (with impact and trigger) 1: the narrative, where many words are incidental;
- investigation (SPEC §14: hypotheses with their notes, evidence titles, dissent, assumptions)
  0.5: it holds refuted hypotheses and overruled views, words about what did *not* happen;
  they should find the incident, never outrank one whose conclusions hold them.

For a term t and document d, BM25F (k1 = 1.2, b = 0.75 per field) saturates the weighted,
length-normalised term frequency: tf~ = Σ_f w_f · tf_f / (1 - b + b · len_f / avglen_f),
w(t, d) = tf~ · (k1 + 1) / (k1 + tf~); idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5)). The
index stores w as an integer level of ``LEVELS`` and idf as an integer of ``IDF_SCALE``, both
computed here once; a query then adds, multiplies and compares integers only (and divides once
for the score shown), so ``closeout search`` and the page's script rank and score identically.

A query matches the documents holding *any* of its terms; a term absent from the vocabulary
stands for the indexed words it is a prefix of (typing "driftin" already finds "drifting").
A document's score is Σ over the query's terms of idf · w (the best of a term's candidates),
times ``ALL_WORDS_BONUS`` (3/2) when a query of two or more terms matches all of them: with
any-word matching, one rare word alone could otherwise outrank a document holding every word
asked for. Ties go to the most recent incident.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from closeout.reports.search_docs import (
    FIELDS,
    STOP_WORDS,
    SearchDoc,
    field_texts,
    make_doc,
    stem,
    tokenize,
    words,
)

__all__ = [
    "FIELDS",
    "Hit",
    "SearchDoc",
    "build_postings",
    "field_texts",
    "make_doc",
    "page_index",
    "rank",
    "ranked_hits",
    "search",
    "tokenize",
]

WEIGHTS = {
    "title": 3.0,
    "tags": 2.0,
    "causes": 1.5,
    "actions": 1.5,
    "summary": 1.0,
    "investigation": 0.5,
}
K1, B = 1.2, 0.75
LEVELS = 500  # w(t, d) / (k1 + 1) in 1/500 steps, written as two letters (base 26)
IDF_SCALE = 1_000_000  # idf in millionths
ALL_WORDS_BONUS = (3, 2)  # a fraction, so that a score stays an integer until it is shown
MIN_PREFIX = 2
PAGE_SCRIPTS = ("snowball-base-stemmer.js", "snowball-english-stemmer.js", "archive.js")
"""The archive page's script: these assets of ``reports/assets``, in this order, joined by
newlines (the vendored Snowball stemmer first: ``archive.js`` uses it)."""
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_HEAD = re.compile(r"[0-9a-z]+")
_POSTING = re.compile(r"([A-Z]{2})([0-9a-z]+)")


def _base36_digits(number: int) -> str:
    digits = ""
    while True:
        number, rest = divmod(number, 36)
        digits = _B36[rest] + digits
        if not number:
            return digits


# Indexing writes hundreds of thousands of postings: small gaps and the levels come ready.
_SMALL = [_base36_digits(n) for n in range(36 * 36)]
_LETTERS = [chr(65 + level // 26) + chr(65 + level % 26) for level in range(LEVELS + 1)]


def _base36(number: int) -> str:
    return _SMALL[number] if number < len(_SMALL) else _base36_digits(number)


def idf(document_count: int, frequency: int) -> float:
    """BM25's idf, never negative."""
    return math.log(1 + (document_count - frequency + 0.5) / (frequency + 0.5))


def _levels(docs: Sequence[SearchDoc]) -> dict[str, list[tuple[int, int]]]:
    """term -> [(document index, level of w(t, d))] in document order."""
    count = len(docs)
    averages = [
        sum(len(d.tokens[i]) for d in docs) / count if count else 1.0 for i in range(len(FIELDS))
    ]
    weights = [WEIGHTS[name] for name in FIELDS]
    found: dict[str, list[tuple[int, int]]] = {}
    for index, doc in enumerate(docs):
        weighted: dict[str, float] = {}
        for field_index, tokens in enumerate(doc.tokens):
            if not tokens:
                continue
            norm = 1 - B + B * len(tokens) / (averages[field_index] or 1.0)
            factor = weights[field_index] / norm
            for term, count in Counter(tokens).items():
                weighted[term] = weighted.get(term, 0.0) + factor * count
        for term, tf in weighted.items():
            # tf / (k1 + tf) < 1, so the level is at most LEVELS; at least 1 for a match
            level = round(tf / (K1 + tf) * LEVELS) or 1
            found.setdefault(term, []).append((index, level))
    return found


def build_postings(docs: Sequence[SearchDoc]) -> dict[str, str]:
    """term -> packed postings: the term's idf in millionths (base 36), then per document in
    order its level as two letters A..Z and the base-36 gap from the previous document."""
    packed: dict[str, str] = {}
    for term, pairs in _levels(docs).items():
        scaled = math.floor(idf(len(docs), len(pairs)) * IDF_SCALE + 0.5)
        parts, last = [_base36(scaled)], 0
        for index, level in pairs:
            parts.append(_LETTERS[level])
            parts.append(_base36(index - last))
            last = index
        packed[term] = "".join(parts)
    return packed


def unpack(postings: str) -> tuple[int, list[tuple[int, int]]]:
    """The scaled idf and the (document index, level) pairs of a packed postings string."""
    head = _HEAD.match(postings)
    out = []
    index = 0
    for letters, gap in _POSTING.findall(postings, head.end() if head else 0):
        index += int(gap, 36)
        out.append((index, (ord(letters[0]) - 65) * 26 + ord(letters[1]) - 65))
    return (int(head[0], 36) if head else 0), out


def build_forms(docs: Sequence[SearchDoc]) -> dict[str, str]:
    """word -> stem for the archive's words whose stem differs, for prefix matching."""
    return dict(sorted({w: s for doc in docs for w, s in doc.forms}.items()))


def candidates(word: str, postings: Mapping[str, str], forms: Mapping[str, str]) -> list[str]:
    """The indexed terms a query word stands for: its stem, else the terms of the words it
    is a prefix of (none for a word shorter than ``MIN_PREFIX``)."""
    term = stem(word)
    if term in postings:
        return [term]
    if len(word) < MIN_PREFIX:
        return []
    found = {t for t in postings if t.startswith(word)}
    found.update(s for w, s in forms.items() if w.startswith(word) and s in postings)
    return sorted(found)


@dataclass(frozen=True)
class Ranking:
    """A query's scores: integer numerators per document index, and the candidate terms
    (with their scaled idf) that snippets mark."""

    numerators: dict[int, int]
    terms: dict[str, int]


def query_words(query: str) -> list[str]:
    """The distinct non-stop lower-case words of a query, by their stem, in order."""
    seen: dict[str, str] = {}
    for _, _, word in words(query):
        if word not in STOP_WORDS:
            seen.setdefault(stem(word), word)
    return list(seen.values())


def rank(
    query: str, postings: Mapping[str, str], forms: Mapping[str, str] | None = None
) -> Ranking | None:
    """The documents holding any query word, scored; None for a query without words."""
    asked = query_words(query)
    if not asked:
        return None
    sums: dict[int, int] = {}
    matched: Counter[int] = Counter()
    terms: dict[str, int] = {}
    for word in asked:
        best: dict[int, int] = {}
        for term in candidates(word, postings, forms or {}):
            scaled, pairs = unpack(postings[term])
            terms[term] = scaled
            for index, level in pairs:
                best[index] = max(best.get(index, 0), scaled * level)
        for index, value in best.items():
            sums[index] = sums.get(index, 0) + value
            matched[index] += 1
    top, bottom = ALL_WORDS_BONUS
    numerators = {
        i: s * (top if len(asked) > 1 and matched[i] == len(asked) else bottom)
        for i, s in sums.items()
    }
    return Ranking(numerators, terms)


def score(numerator: int) -> float:
    """The BM25F score of an integer numerator (the same division as in the page)."""
    return numerator / (ALL_WORDS_BONUS[1] * IDF_SCALE * LEVELS) * (K1 + 1)


@dataclass(frozen=True)
class Hit:
    doc: dict[str, Any]  # SearchDoc.meta()
    score: float
    index: int = -1  # the document's position in the index (its passages)
    numerator: int = 0


def search(
    query: str,
    docs: Sequence[dict[str, Any]],
    postings: Mapping[str, str],
    *,
    severity: str | None = None,
    category: str | None = None,
    forms: Mapping[str, str] | None = None,
) -> list[Hit]:
    """Documents matching ``query`` and the filters, best first (newest first on ties)."""
    return ranked_hits(rank(query, postings, forms), docs, severity=severity, category=category)


def ranked_hits(
    ranking: Ranking | None,
    docs: Sequence[dict[str, Any]],
    *,
    severity: str | None = None,
    category: str | None = None,
) -> list[Hit]:
    """The documents of a ranking (all for None) that pass the filters, best first."""
    hits = [
        Hit(doc, score(numerator), index, numerator)
        for index, doc in enumerate(docs)
        if (ranking is None or index in ranking.numerators)
        and (severity is None or doc.get("severity") == severity)
        and (category is None or category in doc.get("categories", ()))
        for numerator in [ranking.numerators[index] if ranking else 0]
    ]
    # Stable sorts: newest first, then by score, so equal scores keep the newest first.
    hits.sort(key=lambda h: (str(h.doc.get("started_at", "")), str(h.doc.get("id"))), reverse=True)
    hits.sort(key=lambda h: -h.numerator)
    return hits


def page_index(docs: Sequence[SearchDoc]) -> dict[str, Any]:
    """What the archive page's script needs to rank, score and cut snippets like ``search``."""
    return {
        "documents": len(docs),
        "levels": LEVELS,
        "idf_scale": IDF_SCALE,
        "k1": K1,
        "bonus": list(ALL_WORDS_BONUS),
        "min_prefix": MIN_PREFIX,
        "stop_words": sorted(STOP_WORDS),
        "postings": build_postings(docs),
        "forms": build_forms(docs),
        "passages": [list(doc.passages) for doc in docs],
    }

"""Ranked search over the archive: BM25F with field weights, the same in the CLI and the page.

Each incident is one document with six fields, weighted title (with the id) 3, tags 2,
root causes (with contributing factors) 1.5, actions (title, success criteria, owner,
ticket) 1.5, summary (with impact and trigger) 1, investigation (SPEC §14: hypotheses with
their notes, evidence titles, dissent and its responses, assumptions) 1. Text is
lower-cased, split on anything but letters and digits, stripped of stop words and of plural
endings.

For a term t and document d, BM25F (k1 = 1.2, b = 0.75 per field) saturates the weighted,
length-normalised term frequency: tf~ = Σ_f w_f · tf_f / (1 - b + b · len_f / avglen_f),
w(t, d) = tf~ · (k1 + 1) / (k1 + tf~). The index stores w quantised to 26 levels, so the
page's JavaScript and ``closeout search`` rank identically. A query matches the documents
holding every query term (a term absent from the vocabulary matches the terms it is a
prefix of, so typing "drif" already finds "drift"); the score is Σ idf(t) · w(t, d) with
idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5)). Ties go to the most recent incident.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

FIELDS = ("title", "tags", "causes", "actions", "summary", "investigation")
WEIGHTS = {
    "title": 3.0,
    "tags": 2.0,
    "causes": 1.5,
    "actions": 1.5,
    "summary": 1.0,
    "investigation": 1.0,
}
K1, B = 1.2, 0.75
LEVELS = 26  # weight levels, encoded as the letters A..Z
MIN_PREFIX = 2
_STOP_TEXT = """a an and are as at be been but by for from had has have he her his i if in into is
    it its no not of on or our so such that the their then there these they this to was we were
    which while who will with would you your"""
STOP_WORDS = frozenset(_STOP_TEXT.split())
_TOKEN = re.compile(r"[^\W_]+")
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_POSTING = re.compile(r"([A-Z])([0-9a-z]+)")


def stem(word: str) -> str:
    """Strip a plural ending: alerts -> alert, queries -> query, classes -> class, patches ->
    patch (and nothing cleverer; the page's script has the same rules)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    return [stem(w) for w in _TOKEN.findall(text.lower()) if w not in STOP_WORDS]


@dataclass(frozen=True)
class SearchDoc:
    """One incident as the search sees it: what results show, and its tokens per field."""

    id: str
    title: str
    severity: str
    started_at: str
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    tokens: tuple[tuple[str, ...], ...]  # one tuple per field of FIELDS

    def meta(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity,
            "started_at": self.started_at,
            "categories": list(self.categories),
            "tags": list(self.tags),
        }


def _texts(values: Iterable[Any]) -> list[str]:
    return [str(v) for v in values if isinstance(v, str | int | float) and not isinstance(v, bool)]


def _items(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def field_texts(data: dict[str, Any]) -> dict[str, str]:
    """The searchable text of a postmortem given as a plain mapping (YAML or model dump)."""
    impact = data.get("impact") if isinstance(data.get("impact"), dict) else {}
    causes = _items(data.get("root_causes"))
    actions = _items(data.get("actions"))
    factors = data.get("contributing_factors")
    tags = data.get("tags")
    return {
        "title": " ".join(_texts([data.get("id"), data.get("title")])),
        "tags": " ".join(_texts(tags if isinstance(tags, list) else [])),
        "causes": " ".join(
            _texts([c.get("description") for c in causes])
            + _texts(factors if isinstance(factors, list) else [])
        ),
        "actions": " ".join(
            text
            for a in actions
            for text in _texts(
                [a.get("title"), a.get("success_criteria"), a.get("owner"), a.get("ticket")]
            )
        ),
        "summary": " ".join(
            _texts([data.get("summary"), (impact or {}).get("description"), data.get("trigger")])
        ),
    }


def investigation_text(data: dict[str, Any]) -> str:
    """The searchable text of the investigation: hypotheses (statement, note), evidence
    titles, dissent (view, response) and assumptions."""
    assumptions = data.get("assumptions")
    parts = [
        text
        for h in _items(data.get("hypotheses"))
        for text in _texts([h.get("statement"), h.get("note")])
    ]
    parts += _texts([e.get("title") for e in _items(data.get("evidence"))])
    parts += [
        text
        for d in _items(data.get("dissent"))
        for text in _texts([d.get("view"), d.get("response")])
    ]
    parts += _texts(assumptions if isinstance(assumptions, list) else [])
    return " ".join(parts)


def make_doc(data: dict[str, Any], started_at: str) -> SearchDoc:
    """A search document from a postmortem mapping; lenient about missing or odd fields."""
    texts = {**field_texts(data), "investigation": investigation_text(data)}
    causes = _items(data.get("root_causes"))
    categories = sorted({str(c.get("category")) for c in causes if c.get("category")})
    tags = data.get("tags")
    return SearchDoc(
        id=str(data.get("id", "")),
        title=str(data.get("title", "")),
        severity=str(data.get("severity", "")),
        started_at=started_at,
        categories=tuple(categories),
        tags=tuple(_texts(tags if isinstance(tags, list) else [])),
        tokens=tuple(tuple(tokenize(texts[name])) for name in FIELDS),
    )


# --------------------------------------------------------------------------- the index


def _base36(number: int) -> str:
    digits = ""
    while True:
        number, rest = divmod(number, 36)
        digits = _B36[rest] + digits
        if not number:
            return digits


def build_postings(docs: Sequence[SearchDoc]) -> dict[str, str]:
    """term -> packed postings: per document in order, a weight letter then the base-36 gap."""
    lengths = [[len(doc.tokens[i]) for i in range(len(FIELDS))] for doc in docs]
    averages = [
        (sum(row[i] for row in lengths) / len(docs)) if docs else 1.0 for i in range(len(FIELDS))
    ]
    weights = [WEIGHTS[name] for name in FIELDS]
    packed: dict[str, list[str]] = {}
    last: dict[str, int] = {}
    for index, doc in enumerate(docs):
        weighted: dict[str, float] = {}
        for field_index, tokens in enumerate(doc.tokens):
            if not tokens:
                continue
            norm = 1 - B + B * len(tokens) / (averages[field_index] or 1.0)
            for term, count in Counter(tokens).items():
                weighted[term] = weighted.get(term, 0.0) + weights[field_index] * count / norm
        for term in sorted(weighted):
            tf = weighted[term]
            level = max(1, min(LEVELS, round(tf * (K1 + 1) / (K1 + tf) / (K1 + 1) * LEVELS)))
            gap = index - last.get(term, 0)
            last[term] = index
            packed.setdefault(term, []).append(chr(ord("A") + level - 1) + _base36(gap))
    return {term: "".join(parts) for term, parts in packed.items()}


def unpack(postings: str) -> list[tuple[int, float]]:
    """(document index, w(t, d)) pairs of a packed postings string."""
    out = []
    index = 0
    for letter, gap in _POSTING.findall(postings):
        index += int(gap, 36)
        out.append((index, (ord(letter) - ord("A") + 1) / LEVELS * (K1 + 1)))
    return out


def idf(document_count: int, frequency: int) -> float:
    return math.log(1 + (document_count - frequency + 0.5) / (frequency + 0.5))


def expand(term: str, postings: dict[str, str]) -> list[str]:
    """The vocabulary terms a query term stands for: itself, else the terms it prefixes."""
    if term in postings:
        return [term]
    if len(term) < MIN_PREFIX:
        return []
    return [t for t in postings if t.startswith(term)]


def rank(query: str, postings: dict[str, str], document_count: int) -> dict[int, float] | None:
    """Scores of the documents holding every query term; None for an empty query."""
    terms = list(dict.fromkeys(tokenize(query)))
    if not terms:
        return None
    scores: dict[int, float] | None = None
    for term in terms:
        best: dict[int, float] = {}
        for candidate in expand(term, postings):
            pairs = unpack(postings[candidate])
            weight = idf(document_count, len(pairs))
            for index, value in pairs:
                best[index] = max(best.get(index, 0.0), weight * value)
        if scores is None:
            scores = best
        else:
            scores = {i: s + best[i] for i, s in scores.items() if i in best}
        if not scores:
            return {}
    return scores


@dataclass(frozen=True)
class Hit:
    doc: dict[str, Any]  # SearchDoc.meta()
    score: float


def search(
    query: str,
    docs: Sequence[dict[str, Any]],
    postings: dict[str, str],
    *,
    severity: str | None = None,
    category: str | None = None,
) -> list[Hit]:
    """Documents matching ``query`` and the filters, best first (newest first on ties)."""
    scores = rank(query, postings, len(docs))
    hits = [
        Hit(doc, scores.get(index, 0.0) if scores is not None else 0.0)
        for index, doc in enumerate(docs)
        if (scores is None or index in scores)
        and (severity is None or doc.get("severity") == severity)
        and (category is None or category in doc.get("categories", ()))
    ]
    # Stable sorts: newest first, then by score, so equal scores keep the newest first.
    hits.sort(key=lambda h: (str(h.doc.get("started_at", "")), str(h.doc.get("id"))), reverse=True)
    hits.sort(key=lambda h: -round(h.score, 9))
    return hits


def page_index(docs: Sequence[SearchDoc]) -> dict[str, Any]:
    """What the archive page's script needs to rank exactly like ``search``."""
    return {
        "documents": len(docs),
        "levels": LEVELS,
        "k1": K1,
        "min_prefix": MIN_PREFIX,
        "stop_words": sorted(STOP_WORDS),
        "postings": build_postings(docs),
    }

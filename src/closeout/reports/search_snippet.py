"""The snippet of a search result: the best passage, cut to a window, with its matched words.

The page's script (``assets/archive.js``, ``snippet``) cuts the same snippet by the same
rules, and a test compares both:

1. Each passage (a sentence of the summary, causes, actions or investigation, in that order)
   is split into words; a word is matched when its term is one of the query's candidate
   terms.
2. In each passage, every window of at most ``WINDOW`` consecutive words is valued by the
   sum of the scaled idf of the distinct terms it matches, then by its count of matched
   words; the first best window wins.
3. The passage with the best window wins (the first on ties), so when no passage matches
   (the words were in the title, tags, owners or tickets) the first passage's first window
   is shown, unmarked, for context.
4. The window is then centred on its matched words (from the first to the last), when it
   still holds them all, so that a match is read with the words around it.
5. The snippet is that window's text, with "…" where the passage was cut.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from closeout.reports.search_docs import STOP_WORDS, term_of, words

WINDOW = 24
ELLIPSIS = "…"


@dataclass(frozen=True)
class Snippet:
    """A snippet's text and the (start, end) offsets of its marked words."""

    text: str
    marks: tuple[tuple[int, int], ...]

    def segments(self) -> list[tuple[str, bool]]:
        """The text as (piece, marked) runs, in order, for renderers."""
        runs: list[tuple[str, bool]] = []
        at = 0
        for start, end in self.marks:
            if start > at:
                runs.append((self.text[at:start], False))
            runs.append((self.text[start:end], True))
            at = end
        if at < len(self.text):
            runs.append((self.text[at:], False))
        return runs

    def as_json(self) -> dict[str, object]:
        return {"text": self.text, "marks": [list(mark) for mark in self.marks]}


Word = tuple[int, int, str | None]  # start, end, term (None for a stop word)


def _window(terms: list[str | None], weights: Mapping[str, int]) -> tuple[tuple[int, int], int]:
    """The best window's value (idf sum of distinct matched terms, matched words) and start,
    sliding the window one word at a time."""
    counts: dict[str, int] = {}
    value = [0, 0]

    def step(term: str | None, change: int) -> None:
        if term is None or term not in weights:
            return
        counts[term] = counts.get(term, 0) + change
        value[1] += change
        if counts[term] == (1 if change > 0 else 0):
            value[0] += weights[term] * change

    for term in terms[:WINDOW]:
        step(term, 1)
    best, best_start = (value[0], value[1]), 0
    for start in range(1, len(terms) - WINDOW + 1):
        step(terms[start - 1], -1)
        step(terms[start + WINDOW - 1], 1)
        if (value[0], value[1]) > best:
            best, best_start = (value[0], value[1]), start
    return best, _centred(terms, weights, best_start)


def _centred(terms: list[str | None], weights: Mapping[str, int], start: int) -> int:
    inside = [
        i
        for i in range(start, min(start + WINDOW, len(terms)))
        if terms[i] is not None and terms[i] in weights
    ]
    if not inside:
        return start
    first, last = inside[0], inside[-1]
    moved = min(max((first + last) // 2 - WINDOW // 2, 0), max(len(terms) - WINDOW, 0))
    return moved if moved <= first and last < moved + WINDOW else start


def snippet(
    passages: Sequence[str], weights: Mapping[str, int], forms: Mapping[str, str] | None = None
) -> Snippet:
    """The snippet of a document's passages for the query terms ``weights`` (term -> idf).
    With the document's ``forms`` (its words whose stem differs from them, see
    ``SearchDoc.forms``) no word is stemmed again: a search need not load the stemmer."""
    best: tuple[tuple[int, int], int, list[Word], str] | None = None
    for passage in passages:
        found: list[Word] = [(s, e, _term(w, forms)) for s, e, w in words(passage)]
        if not found:
            continue
        value, start = _window([t for _, _, t in found], weights)
        if best is None or value > best[0]:
            best = (value, start, found, passage)
    if best is None:
        return Snippet("", ())
    _, start, found, passage = best
    return _cut(passage, found, start, weights)


def _term(word: str, forms: Mapping[str, str] | None) -> str | None:
    if forms is None:
        return term_of(word)
    return None if word in STOP_WORDS else forms.get(word, word)


def _cut(passage: str, found: list[Word], start: int, weights: Mapping[str, int]) -> Snippet:
    inside = found[start : start + WINDOW]
    first = 0 if start == 0 else inside[0][0]
    cut_end = start + WINDOW < len(found)
    last = inside[-1][1] if cut_end else len(passage)
    prefix = ELLIPSIS if first else ""
    text = prefix + passage[first:last] + (ELLIPSIS if cut_end else "")
    shift = len(prefix) - first
    marks = tuple((s + shift, e + shift) for s, e, t in inside if t is not None and t in weights)
    return Snippet(text, marks)

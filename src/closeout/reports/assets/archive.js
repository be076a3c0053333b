/* closeout archive: search, snippets and filters, offline, in the page (no network).
   Ranks, scores and cuts snippets exactly like `closeout search` (closeout/reports/search.py
   and search_snippet.py): BM25F levels and idf are integers precomputed in the embedded
   index, so this script only adds, multiplies and compares integers, and divides once for
   the score it shows. Words are stemmed by the Snowball English stemmer of
   snowball-english-stemmer.js (joined before this script: the same Snowball version as the
   Python side). State lives in the URL fragment (#q=drift&severity=SEV2), so a filtered view
   can be bookmarked or shared. */
(function () {
  "use strict";
  var index = JSON.parse(document.getElementById("search-index").textContent);
  var table = document.getElementById("incidents");
  var body = table.tBodies[0];
  var empty = document.getElementById("no-match");
  var rows = Array.prototype.slice.call(body.querySelectorAll("tr[data-i]"));
  var fields = ["q", "severity", "category", "state", "quarter", "overdue"];
  var controls = {};
  fields.forEach(function (name) { controls[name] = document.getElementById(name); });
  var count = document.getElementById("count");
  var stop = new Set(index.stop_words);
  var postings = index.postings;
  var forms = index.forms;
  var vocabulary = Object.keys(postings);
  var formWords = Object.keys(forms);
  var parsed = new Map();
  var WINDOW = 24;
  var ELLIPSIS = "\u2026";
  var stemmer = new EnglishStemmer();
  var stems = new Map();
  var passageWords = new Map();

  function has(object, key) { return Object.prototype.hasOwnProperty.call(object, key); }

  function stem(word) {
    if (!stems.has(word)) stems.set(word, stemmer.stemWord(word));
    return stems.get(word);
  }

  /* [start, end, lower-case word] of each run of letters and digits (Unicode L and N). */
  function words(text) {
    var pattern = /[\p{L}\p{N}]+/gu;
    var out = [];
    var match;
    while ((match = pattern.exec(text)) !== null) {
      out.push([match.index, match.index + match[0].length, match[0].toLowerCase()]);
    }
    return out;
  }

  function termOf(word) { return stop.has(word) ? null : stem(word); }

  /* The distinct non-stop words of a query, by their stem, in order. */
  function queryWords(query) {
    var seen = new Map();
    words(query).forEach(function (found) {
      var word = found[2];
      if (!stop.has(word) && !seen.has(stem(word))) seen.set(stem(word), word);
    });
    return Array.from(seen.values());
  }

  /* {idf, pairs: [[document index, level]]} of a term's packed postings. */
  function parse(term) {
    if (parsed.has(term)) return parsed.get(term);
    var text = postings[term];
    var head = /^[0-9a-z]+/.exec(text);
    var pattern = /([A-Z]{2})([0-9a-z]+)/g;
    pattern.lastIndex = head ? head[0].length : 0;
    var pairs = [];
    var doc = 0;
    var match;
    while ((match = pattern.exec(text)) !== null) {
      doc += parseInt(match[2], 36);
      pairs.push([doc, (match[1].charCodeAt(0) - 65) * 26 + match[1].charCodeAt(1) - 65]);
    }
    var result = {idf: head ? parseInt(head[0], 36) : 0, pairs: pairs};
    parsed.set(term, result);
    return result;
  }

  /* The indexed terms a query word stands for: its stem, else the terms of the words it is
     a prefix of (none for a word shorter than min_prefix code points). */
  function candidates(word) {
    var term = stem(word);
    if (has(postings, term)) return [term];
    if (Array.from(word).length < index.min_prefix) return [];
    var found = new Set();
    vocabulary.forEach(function (t) { if (t.startsWith(word)) found.add(t); });
    formWords.forEach(function (w) {
      if (w.startsWith(word) && has(postings, forms[w])) found.add(forms[w]);
    });
    return Array.from(found);
  }

  /* {numerators: Map(document index -> integer), terms: Map(term -> idf)}, or null for a
     query without words. */
  function rank(query) {
    var asked = queryWords(query);
    if (!asked.length) return null;
    var sums = new Map();
    var matched = new Map();
    var terms = new Map();
    asked.forEach(function (word) {
      var best = new Map();
      candidates(word).forEach(function (term) {
        var found = parse(term);
        terms.set(term, found.idf);
        found.pairs.forEach(function (pair) {
          var value = found.idf * pair[1];
          if (!best.has(pair[0]) || best.get(pair[0]) < value) best.set(pair[0], value);
        });
      });
      best.forEach(function (value, doc) {
        sums.set(doc, (sums.get(doc) || 0) + value);
        matched.set(doc, (matched.get(doc) || 0) + 1);
      });
    });
    var numerators = new Map();
    sums.forEach(function (sum, doc) {
      var all = asked.length > 1 && matched.get(doc) === asked.length;
      numerators.set(doc, sum * (all ? index.bonus[0] : index.bonus[1]));
    });
    return {numerators: numerators, terms: terms};
  }

  function score(numerator) {
    return numerator / (index.bonus[1] * index.idf_scale * index.levels) * (index.k1 + 1);
  }

  /* ------------------------------------------------------------------ snippets */

  function greater(a, b) { return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]); }

  /* The best window's value [idf sum of distinct matched terms, matched words] and start. */
  function bestWindow(found, weights) {
    var counts = new Map();
    var value = [0, 0];
    function step(term, change) {
      if (term === null || !weights.has(term)) return;
      counts.set(term, (counts.get(term) || 0) + change);
      value[1] += change;
      if (counts.get(term) === (change > 0 ? 1 : 0)) value[0] += weights.get(term) * change;
    }
    found.slice(0, WINDOW).forEach(function (word) { step(word[2], 1); });
    var best = value.slice();
    var bestStart = 0;
    for (var start = 1; start < found.length - WINDOW + 1; start++) {
      step(found[start - 1][2], -1);
      step(found[start + WINDOW - 1][2], 1);
      if (greater(value, best)) { best = value.slice(); bestStart = start; }
    }
    return {value: best, start: centred(found, weights, bestStart)};
  }

  /* The window moved to centre its matched words, when it still holds them all. */
  function centred(found, weights, start) {
    var inside = [];
    for (var i = start; i < Math.min(start + WINDOW, found.length); i++) {
      if (found[i][2] !== null && weights.has(found[i][2])) inside.push(i);
    }
    if (!inside.length) return start;
    var first = inside[0];
    var last = inside[inside.length - 1];
    var moved = Math.min(Math.max(Math.floor((first + last) / 2) - WINDOW / 2, 0),
      Math.max(found.length - WINDOW, 0));
    return moved <= first && last < moved + WINDOW ? moved : start;
  }

  /* [[start, end, term]] of each passage of a document, computed once. */
  function documentWords(doc) {
    if (!passageWords.has(doc)) {
      passageWords.set(doc, (index.passages[doc] || []).map(function (passage) {
        return words(passage).map(function (w) { return [w[0], w[1], termOf(w[2])]; });
      }));
    }
    return passageWords.get(doc);
  }

  /* {text, marks: [[start, end]]}: the best passage's best window (search_snippet.py). */
  function snippet(doc, weights) {
    var passages = index.passages[doc] || [];
    var all = documentWords(doc);
    var best = null;
    all.forEach(function (found, number) {
      if (!found.length) return;
      var chosen = bestWindow(found, weights);
      if (best === null || greater(chosen.value, best.value)) {
        best = {value: chosen.value, start: chosen.start, found: found, passage: passages[number]};
      }
    });
    if (best === null) return {text: "", marks: []};
    var inside = best.found.slice(best.start, best.start + WINDOW);
    var first = best.start === 0 ? 0 : inside[0][0];
    var cutEnd = best.start + WINDOW < best.found.length;
    var last = cutEnd ? inside[inside.length - 1][1] : best.passage.length;
    var prefix = first ? ELLIPSIS : "";
    var shift = prefix.length - first;
    return {
      text: prefix + best.passage.slice(first, last) + (cutEnd ? ELLIPSIS : ""),
      marks: inside.filter(function (w) { return w[2] !== null && weights.has(w[2]); })
        .map(function (w) { return [w[0] + shift, w[1] + shift]; })
    };
  }

  /* The row's snippet line under its title (text and <mark> nodes, never HTML), or none. */
  function showSnippet(row, cut) {
    var cell = row.cells[1];
    var line = cell.querySelector(".snippet");
    if (!cut || !cut.text) { if (line) line.remove(); return; }
    if (!line) {
      line = document.createElement("div");
      line.className = "sub snippet";
      cell.appendChild(line);
    }
    line.textContent = "";
    var at = 0;
    cut.marks.forEach(function (mark) {
      if (mark[0] > at) line.appendChild(document.createTextNode(cut.text.slice(at, mark[0])));
      var marked = document.createElement("mark");
      marked.textContent = cut.text.slice(mark[0], mark[1]);
      line.appendChild(marked);
      at = mark[1];
    });
    if (at < cut.text.length) line.appendChild(document.createTextNode(cut.text.slice(at)));
  }

  /* ------------------------------------------------------------------ the view */

  function value(name) {
    var control = controls[name];
    return control.type === "checkbox" ? (control.checked ? "1" : "") : control.value;
  }

  function keeps(row) {
    var data = row.dataset;
    if (value("severity") && data.severity !== value("severity")) return false;
    if (value("quarter") && data.quarter !== value("quarter")) return false;
    if (value("category") && data.categories.split(" ").indexOf(value("category")) < 0) return false;
    if (value("state") && data.states.split(" ").indexOf(value("state")) < 0) return false;
    if (value("overdue") && data.overdue !== "1") return false;
    return true;
  }

  /* Show the rows that match, best first, each with its score (data-score) and snippet;
     `fromUser` records the view in the URL fragment. */
  function apply(fromUser) {
    var ranking = rank(value("q"));
    var numerators = ranking === null ? null : ranking.numerators;
    var shown = rows.filter(function (row) {
      var ok = keeps(row) && (numerators === null || numerators.has(Number(row.dataset.i)));
      row.hidden = !ok;
      return ok;
    });
    if (numerators !== null) {
      shown.sort(function (a, b) {
        return numerators.get(Number(b.dataset.i)) - numerators.get(Number(a.dataset.i)) ||
          Number(a.dataset.i) - Number(b.dataset.i);
      });
    } else {
      shown.sort(function (a, b) { return Number(a.dataset.i) - Number(b.dataset.i); });
    }
    rows.forEach(function (row) {
      var doc = Number(row.dataset.i);
      var on = numerators !== null && !row.hidden;
      if (on) row.dataset.score = String(score(numerators.get(doc)));
      else delete row.dataset.score;
      showSnippet(row, on ? snippet(doc, ranking.terms) : null);
    });
    shown.forEach(function (row) { body.appendChild(row); });
    body.appendChild(empty);
    empty.hidden = shown.length > 0;
    count.textContent = shown.length + " of " + rows.length + " incidents";
    if (fromUser) remember();
  }

  function remember() {
    var params = new URLSearchParams();
    fields.forEach(function (name) { if (value(name)) params.set(name, value(name)); });
    var fragment = params.toString();
    var url = location.pathname + location.search + (fragment ? "#" + fragment : "");
    try { history.replaceState(null, "", url); } catch (error) { /* file:// may refuse */ }
  }

  /* Only a fragment holding parameters is ours: #metrics stays an ordinary anchor. */
  function restore() {
    if (location.hash.indexOf("=") < 0) return false;
    var params = new URLSearchParams(location.hash.replace(/^#/, ""));
    fields.forEach(function (name) {
      if (!params.has(name)) return;
      var control = controls[name];
      if (control.type === "checkbox") control.checked = params.get(name) === "1";
      else control.value = params.get(name);
    });
    return true;
  }

  var timer = null;
  controls.q.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { apply(true); }, rows.length > 500 ? 120 : 0);
  });
  ["severity", "category", "state", "quarter", "overdue"].forEach(function (name) {
    controls[name].addEventListener("change", function () { apply(true); });
  });
  window.addEventListener("hashchange", function () { if (restore()) apply(false); });
  restore();
  apply(false);
}());

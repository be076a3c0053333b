/* closeout archive: search and filters, offline, in the page (no library, no network).
   Ranks exactly like `closeout search` (BM25F weights precomputed in the embedded index;
   see closeout/reports/search.py). State lives in the URL fragment (#q=drift&severity=SEV2),
   so a filtered view can be bookmarked or shared. */
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
  var vocabulary = Object.keys(postings);
  var unpacked = {};

  function stem(word) {
    if (word.length > 4 && word.slice(-3) === "ies") return word.slice(0, -3) + "y";
    if (word.length > 4 && /(sses|xes|ches|shes)$/.test(word)) return word.slice(0, -2);
    if (word.length > 3 && word.slice(-1) === "s" && !/(ss|us|is)$/.test(word)) return word.slice(0, -1);
    return word;
  }

  function tokenize(text) {
    var words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) || [];
    var seen = new Set();
    var out = [];
    words.forEach(function (word) {
      if (stop.has(word)) return;
      var term = stem(word);
      if (!seen.has(term)) { seen.add(term); out.push(term); }
    });
    return out;
  }

  function unpack(term) {
    if (unpacked[term]) return unpacked[term];
    var pairs = [];
    var doc = 0;
    var pattern = /([A-Z])([0-9a-z]+)/g;
    var match;
    while ((match = pattern.exec(postings[term])) !== null) {
      doc += parseInt(match[2], 36);
      var weight = (match[1].charCodeAt(0) - 64) / index.levels * (index.k1 + 1);
      pairs.push([doc, weight]);
    }
    unpacked[term] = pairs;
    return pairs;
  }

  function expand(term) {
    if (Object.prototype.hasOwnProperty.call(postings, term)) return [term];
    if (term.length < index.min_prefix) return [];
    return vocabulary.filter(function (candidate) { return candidate.indexOf(term) === 0; });
  }

  function idf(frequency) {
    var n = index.documents;
    return Math.log(1 + (n - frequency + 0.5) / (frequency + 0.5));
  }

  /* Scores of the documents holding every query term, or null for an empty query. */
  function rank(query) {
    var terms = tokenize(query);
    if (!terms.length) return null;
    var scores = null;
    for (var t = 0; t < terms.length; t++) {
      var best = new Map();
      expand(terms[t]).forEach(function (candidate) {
        var pairs = unpack(candidate);
        var weight = idf(pairs.length);
        pairs.forEach(function (pair) {
          var value = weight * pair[1];
          if (!best.has(pair[0]) || best.get(pair[0]) < value) best.set(pair[0], value);
        });
      });
      if (scores === null) {
        scores = best;
      } else {
        var next = new Map();
        scores.forEach(function (score, doc) { if (best.has(doc)) next.set(doc, score + best.get(doc)); });
        scores = next;
      }
      if (!scores.size) return scores;
    }
    return scores;
  }

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

  /* Show the rows that match; `fromUser` records the view in the URL fragment. */
  function apply(fromUser) {
    var scores = rank(value("q"));
    var shown = rows.filter(function (row) {
      var ok = keeps(row) && (scores === null || scores.has(Number(row.dataset.i)));
      row.hidden = !ok;
      return ok;
    });
    if (scores !== null) {
      shown.sort(function (a, b) {
        return scores.get(Number(b.dataset.i)) - scores.get(Number(a.dataset.i)) ||
          Number(a.dataset.i) - Number(b.dataset.i);
      });
    } else {
      shown.sort(function (a, b) { return Number(a.dataset.i) - Number(b.dataset.i); });
    }
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

/* The casebook's offline search (works from file://, no network, no framework).
   The index (assets/search-index.js) sets window.CASEBOOK_SEARCH = {docs, grams}: character
   bigrams -> case numbers. A case matches when it holds every bigram of every term, so a word
   inside a compound is found (見守り in 見守り活動). Results are built with textContent only. */
(function () {
  "use strict";
  var index = window.CASEBOOK_SEARCH;
  var form = document.getElementById("cb-search-form");
  var input = document.getElementById("cb-q");
  var status = document.getElementById("cb-search-status");
  var list = document.getElementById("cb-search-results");
  if (!form || !input || !status || !list) { return; }
  if (!index || !index.docs || !index.grams) {
    status.textContent = "検索用の索引が読み込めませんでした。区・テーマ・年度の一覧から探してください。";
    return;
  }
  var keys = null;

  function normalise(text) {
    return String(text).normalize("NFKC").toLowerCase();
  }

  function intersect(a, b) {
    var out = [], i = 0, j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) { out.push(a[i]); i++; j++; }
      else if (a[i] < b[j]) { i++; } else { j++; }
    }
    return out;
  }

  function termHits(term) {
    if (term.length === 1) {  // one character: every bigram that holds it
      keys = keys || Object.keys(index.grams);
      var seen = {}, out = [];
      keys.forEach(function (g) {
        if (g.indexOf(term) >= 0) {
          index.grams[g].forEach(function (n) { if (!seen[n]) { seen[n] = true; out.push(n); } });
        }
      });
      return out.sort(function (a, b) { return a - b; });
    }
    var hits = null;
    for (var i = 0; i + 1 < term.length; i++) {
      var docs = index.grams[term.slice(i, i + 2)] || [];
      hits = hits === null ? docs : intersect(hits, docs);
      if (!hits.length) { break; }
    }
    return hits || [];
  }

  function search(query) {
    var terms = normalise(query).split(/\s+/).filter(Boolean);
    if (!terms.length) { return null; }
    var result = null;
    terms.forEach(function (t) {
      var hits = termHits(t);
      result = result === null ? hits : intersect(result, hits);
    });
    return result;
  }

  function show(query) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    var result = search(query);
    if (result === null) { status.textContent = ""; return; }
    status.textContent = "「" + query.trim() + "」: " + result.length + "件の事例が見つかりました";
    result.forEach(function (n) {
      var doc = index.docs[n];  // [id, title, ward, year label, url]
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = doc[4];
      a.className = "cb-case-link";
      a.textContent = doc[1];
      var meta = document.createElement("span");
      meta.className = "cb-case-meta";
      meta.textContent = doc[2] + " ・ " + doc[3] + " ・ " + doc[0];
      li.appendChild(a);
      li.appendChild(meta);
      list.appendChild(li);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    show(input.value);
  });
  input.addEventListener("input", function () { show(input.value); });
  var q = new URLSearchParams(window.location.search).get("q");
  if (q) { input.value = q; show(q); }
})();

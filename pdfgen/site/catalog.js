(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("catalog-data").textContent);
  var list = document.getElementById("cards");
  var cards = Array.prototype.slice.call(list.querySelectorAll(".card"));
  var q = document.getElementById("q");
  var count = document.getElementById("count");
  var noMatch = document.getElementById("no-match");
  var buttons = Array.prototype.slice.call(document.querySelectorAll(".switch button"));
  var current = null;

  function fold(text) {  // as pdfgen.site.page.fold: NFD, combining marks dropped, lower case
    return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  }
  var haystacks = cards.map(function (card) { return fold(card.getAttribute("data-search")); });

  function format(text, values) {
    return text.replace(/%\((\w+)\)[sd]/g, function (_, key) { return String(values[key]); });
  }

  function filter() {
    var terms = fold(q.value).split(/\s+/).filter(Boolean);
    var shown = 0;
    cards.forEach(function (card, i) {
      var match = terms.every(function (term) { return haystacks[i].indexOf(term) >= 0; });
      card.hidden = !match;
      if (match) { shown += 1; }
    });
    count.textContent = format(current.labels.shown, { shown: shown, total: cards.length });
    noMatch.hidden = shown > 0 || cards.length === 0;
  }

  function titleOf(card, code) {
    var el = card.querySelector('.title[data-lang="' + code + '"]') || card.querySelector(".title");
    return el ? el.textContent : "";
  }

  function setLanguage(code) {
    var find = function (c) { return data.langs.filter(function (l) { return l.code === c; })[0]; };
    current = find(code) || find(data.primary) || data.langs[0];  // a choice saved elsewhere
    document.documentElement.lang = current.locale;
    document.querySelectorAll("[data-label]").forEach(function (el) {
      var text = current.labels[el.getAttribute("data-label")];
      if (text !== undefined) { el.textContent = text; }
    });
    document.querySelectorAll("[data-l10n]").forEach(function (el) {
      var texts = JSON.parse(el.getAttribute("data-l10n"));
      if (texts[current.code] !== undefined) { el.textContent = texts[current.code]; }
    });
    // an id standing in for a missing title stays as it is
    document.querySelectorAll(".title[data-lang]").forEach(function (el) {
      el.classList.toggle("primary", el.getAttribute("data-lang") === current.code);
    });
    buttons.forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-lang") === current.code));
    });
    var clinic = document.querySelector(".clinic").textContent;
    document.title = current.labels.page_title + " \u00b7 " + clinic;
    cards.slice().sort(function (a, b) {
      return titleOf(a, current.code).localeCompare(titleOf(b, current.code), current.locale,
        { sensitivity: "base" }) || a.getAttribute("data-id").localeCompare(b.getAttribute("data-id"));
    }).forEach(function (card) { list.appendChild(card); });
    try { localStorage.setItem("pdfgen-catalog-lang", current.code); } catch (e) { /* file:// */ }
    filter();
  }

  function markOverdue() {  // by the viewer's date: the page may be opened long after the build
    var now = new Date();
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var today = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
    cards.forEach(function (card) {
      var due = card.getAttribute("data-due");
      var badge = card.querySelector(".badge.review-overdue");
      if (due && badge) { badge.hidden = !(today > due); }
    });
  }

  q.addEventListener("input", filter);
  buttons.forEach(function (b) {
    b.addEventListener("click", function () { setLanguage(b.getAttribute("data-lang")); });
  });
  var saved = null;
  try { saved = localStorage.getItem("pdfgen-catalog-lang"); } catch (e) { /* file:// */ }
  document.getElementById("controls").hidden = false;
  markOverdue();
  setLanguage(saved || data.primary);
})();

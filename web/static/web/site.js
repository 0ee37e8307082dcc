/* argmap: small progressive enhancements for a map's page.

   Without this script every feature still works through plain links: a statement's
   "Show in the essay" link goes to #q-<id> and a highlighted passage links to #s-<id>
   (both styled with :target). With it:
   - choosing a statement highlights every piece of its passage (a quote may be split by
     overlapping quotes or paragraphs), scrolls the essay to it and moves focus there;
   - choosing a passage highlights the statements quoting it and scrolls to the first;
   - the diagram can be switched between "fit to width" and its actual size.
   The script never writes user text into the page. */
(function () {
  "use strict";

  var reduceMotion =
    window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var DIGITS = /^\d+$/;

  function all(selector) {
    return Array.prototype.slice.call(document.querySelectorAll(selector));
  }

  function clearActive() {
    all(".is-active").forEach(function (el) {
      el.classList.remove("is-active");
    });
  }

  function marksOf(id) {
    return all('mark[data-statements~="' + id + '"]');
  }

  function scrollToEl(el) {
    el.scrollIntoView({ behavior: reduceMotion ? "auto" : "smooth", block: "center" });
  }

  function showPassage(id, moveFocus) {
    var marks = marksOf(id);
    if (!marks.length) return false;
    clearActive();
    marks.forEach(function (m) {
      m.classList.add("is-active");
    });
    var statement = document.getElementById("s-" + id);
    if (statement) statement.classList.add("is-active");
    scrollToEl(marks[0]);
    var link = marks[0].querySelector("a");
    if (moveFocus && link) link.focus({ preventScroll: true });
    return true;
  }

  function showStatement(id, ids, moveFocus) {
    var statement = document.getElementById("s-" + id);
    if (!statement) return false;
    clearActive();
    (ids && ids.length ? ids : [id]).forEach(function (other) {
      var el = document.getElementById("s-" + other);
      if (el) el.classList.add("is-active");
    });
    marksOf(id).forEach(function (m) {
      m.classList.add("is-active");
    });
    scrollToEl(statement);
    if (moveFocus) {
      statement.setAttribute("tabindex", "-1");
      statement.focus({ preventScroll: true });
    }
    return true;
  }

  function fromHash(hash) {
    var match = /^#([qs])-(\d+)$/.exec(hash || "");
    if (!match) {
      clearActive();
      return;
    }
    if (match[1] === "q") showPassage(match[2], false);
    else showStatement(match[2], null, false);
  }

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var link = event.target.closest && event.target.closest('a[href^="#q-"], a[href^="#s-"]');
    if (!link) return;
    var href = link.getAttribute("href");
    var id = href.slice(3);
    if (!DIGITS.test(id)) return;
    var done;
    if (href.charAt(1) === "q") {
      done = showPassage(id, true);
    } else {
      var mark = link.closest("mark[data-statements]");
      var ids = mark ? mark.getAttribute("data-statements").split(" ").filter(function (x) {
        return DIGITS.test(x);
      }) : null;
      done = showStatement(id, ids, true);
    }
    if (done) {
      event.preventDefault();
      if (window.history && history.pushState) history.pushState(null, "", href);
    }
  });

  window.addEventListener("popstate", function () {
    fromHash(location.hash);
  });
  window.addEventListener("hashchange", function () {
    fromHash(location.hash);
  });

  function setUpZoom() {
    var button = document.querySelector("[data-zoom]");
    var frame = document.querySelector("[data-diagram-frame]");
    if (!button || !frame) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var actual = frame.classList.toggle("is-actual-size");
      button.setAttribute("aria-pressed", actual ? "true" : "false");
    });
  }

  function start() {
    setUpZoom();
    fromHash(location.hash);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

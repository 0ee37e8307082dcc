/* argmap: small progressive enhancements for a map's page.

   Without this script every feature still works through plain links: a statement's
   "Show in the essay" link goes to #q-<id> and a highlighted passage links to #s-<id>
   (both styled with :target). With it:
   - choosing a statement highlights every piece of its passage (a quote may be split by
     overlapping quotes or paragraphs), scrolls the essay to it and moves focus there;
   - choosing a passage highlights the statements quoting it and scrolls to the first;
   - the diagram can be panned and zoomed, with the mouse or the keyboard (without the
     script it fits the width, and "Open the diagram full size" shows it at full size).
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

  // Pan and zoom for the diagram. The picture starts at its actual size (12 pt text reads
  // as on paper), centred across; the frame scrolls. Keys work when the frame has focus:
  // arrows move, + and - zoom, 0 is the actual size, f fits the width.
  function setUpViewer() {
    var frame = document.querySelector("[data-diagram-frame]");
    var controls = document.querySelector("[data-zoom-controls]");
    var img = frame && frame.querySelector("img");
    if (!frame || !controls || !img) return;
    var level = controls.querySelector("[data-zoom-level]");
    var zoom = 1;
    var STEP = 1.25;
    var MIN = 0.05;
    var MAX = 4;

    function natural() {
      return img.naturalWidth || img.getBoundingClientRect().width || 1;
    }

    function setZoom(next, keepCentre) {
      var centreX = (frame.scrollLeft + frame.clientWidth / 2) / Math.max(frame.scrollWidth, 1);
      var centreY = (frame.scrollTop + frame.clientHeight / 2) / Math.max(frame.scrollHeight, 1);
      zoom = Math.min(MAX, Math.max(MIN, next));
      img.style.width = Math.round(natural() * zoom) + "px";
      frame.classList.add("is-zoomable");
      if (level) level.textContent = Math.round(zoom * 100) + "%";
      if (keepCentre) {
        frame.scrollLeft = centreX * frame.scrollWidth - frame.clientWidth / 2;
        frame.scrollTop = centreY * frame.scrollHeight - frame.clientHeight / 2;
      }
    }

    function fit() {
      setZoom((frame.clientWidth - 24) / natural(), false);
    }

    function actual() {
      setZoom(1, false);
      frame.scrollLeft = (frame.scrollWidth - frame.clientWidth) / 2;
      frame.scrollTop = 0;
    }

    function begin() {
      controls.hidden = false;
      frame.setAttribute("tabindex", "0");
      frame.setAttribute("role", "region");
      frame.setAttribute("aria-label", "Diagram, zoomable");
      frame.setAttribute("aria-describedby", "diagram-keys");
      actual();
    }

    controls.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("[data-zoom]");
      if (!button) return;
      var what = button.getAttribute("data-zoom");
      if (what === "in") setZoom(zoom * STEP, true);
      else if (what === "out") setZoom(zoom / STEP, true);
      else if (what === "fit") fit();
      else actual();
    });

    frame.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      var step = 60;
      var handled = true;
      switch (event.key) {
        case "+":
        case "=":
          setZoom(zoom * STEP, true);
          break;
        case "-":
        case "_":
          setZoom(zoom / STEP, true);
          break;
        case "0":
          actual();
          break;
        case "f":
          fit();
          break;
        case "ArrowLeft":
          frame.scrollLeft -= step;
          break;
        case "ArrowRight":
          frame.scrollLeft += step;
          break;
        case "ArrowUp":
          frame.scrollTop -= step;
          break;
        case "ArrowDown":
          frame.scrollTop += step;
          break;
        default:
          handled = false;
      }
      if (handled) event.preventDefault();
    });

    var drag = null;
    frame.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) return;
      drag = { x: event.clientX, y: event.clientY, left: frame.scrollLeft, top: frame.scrollTop };
      frame.classList.add("is-dragging");
    });
    window.addEventListener("pointermove", function (event) {
      if (!drag) return;
      frame.scrollLeft = drag.left - (event.clientX - drag.x);
      frame.scrollTop = drag.top - (event.clientY - drag.y);
    });
    window.addEventListener("pointerup", function () {
      drag = null;
      frame.classList.remove("is-dragging");
    });
    img.addEventListener("dragstart", function (event) {
      event.preventDefault();
    });

    if (img.complete && img.naturalWidth) begin();
    else img.addEventListener("load", begin);
  }

  function start() {
    setUpViewer();
    fromHash(location.hash);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

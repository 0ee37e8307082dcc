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

  // Pan and zoom for the diagram. The picture opens on the argument: the whole map when
  // it fits at a readable size (data-min-zoom of its actual size at least), else its main
  // conclusion and direct reasons (the canvas's data-part, fractions of the picture)
  // fitted into the frame and centred, or the main conclusion alone (data-head) centred
  // when they do not fit at that size. Keys work when the frame has focus: arrows move,
  // + and - zoom, 0 is the actual size, f fits the width.
  function setUpViewer() {
    var frame = document.querySelector("[data-diagram-frame]");
    var controls = document.querySelector("[data-zoom-controls]");
    var img = frame && frame.querySelector("img");
    if (!frame || !controls || !img) return;
    var canvas = frame.querySelector("[data-diagram-canvas]");
    var sized = canvas || img;
    var level = controls.querySelector("[data-zoom-level]");
    var zoom = 1;
    var STEP = 1.25;
    var MIN = 0.05;
    var MAX = 4;

    function natural() {
      return img.naturalWidth || img.getBoundingClientRect().width || 1;
    }

    function naturalHeight() {
      return img.naturalHeight || img.getBoundingClientRect().height || 1;
    }

    function setZoom(next, keepCentre) {
      var centreX = (frame.scrollLeft + frame.clientWidth / 2) / Math.max(frame.scrollWidth, 1);
      var centreY = (frame.scrollTop + frame.clientHeight / 2) / Math.max(frame.scrollHeight, 1);
      zoom = Math.min(MAX, Math.max(MIN, next));
      sized.style.width = Math.round(natural() * zoom) + "px";
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

    function box(name) {
      var v = (canvas.getAttribute(name) || "").split(" ").map(parseFloat);
      if (v.length !== 4 || v.some(isNaN)) return null;
      return { left: v[0], top: v[1], width: v[2] - v[0], height: v[3] - v[1] };
    }

    // Scroll the frame so that the centre of ``b`` (fractions of the picture) is in the
    // middle of the frame.
    function centreOn(b) {
      var f = frame.getBoundingClientRect();
      var c = sized.getBoundingClientRect();
      var x = c.left - f.left - frame.clientLeft + frame.scrollLeft;
      var y = c.top - f.top - frame.clientTop + frame.scrollTop;
      frame.scrollLeft = x + (b.left + b.width / 2) * c.width - frame.clientWidth / 2;
      frame.scrollTop = y + (b.top + b.height / 2) * c.height - frame.clientHeight / 2;
    }

    function openOnArgument() {
      var head = canvas && box("data-head");
      var part = canvas && box("data-part");
      if (!head || !part) return actual();
      var minZoom = parseFloat(canvas.getAttribute("data-min-zoom")) || 0.6;
      var roomH = (window.innerHeight * (parseFloat(canvas.getAttribute("data-height-vh")) || 70)) / 100;
      var roomW = frame.clientWidth - 24;
      var whole = Math.min(roomW / natural(), roomH / naturalHeight());
      if (whole >= minZoom) {
        setZoom(Math.min(1, whole), false);
        frame.scrollLeft = 0;
        frame.scrollTop = 0;
        return;
      }
      var fitPart = Math.min(roomW / (part.width * natural()), roomH / (part.height * naturalHeight()));
      setZoom(Math.max(minZoom, Math.min(1, fitPart)), false);
      centreOn(fitPart >= minZoom ? part : head);
    }

    function begin() {
      controls.hidden = false;
      frame.setAttribute("tabindex", "0");
      frame.setAttribute("role", "region");
      frame.setAttribute("aria-label", "Diagram, zoomable");
      frame.setAttribute("aria-describedby", "diagram-keys");
      if (canvas && canvas.hasAttribute("data-open")) openOnArgument();
      else actual();
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

  // A download being drawn by a job (web/diagram_download.html): follow the job through
  // the API (api/follow_job.js, loaded by that page), show its pages on the bar, and start
  // the download when it is done; say why if it failed. Without this, the page's Refresh
  // link does the same.
  function jobStatus(job) {
    // The same sentences as web.presenters.job_status.
    var done = job.progress.done || 0;
    var total = job.progress.total;
    if (job.state === "queued") return "Waiting for a worker to start it.";
    if (job.state === "running") {
      return total ? done + " of " + total + " pages laid out." : "Started: laying out the pages.";
    }
    if (job.state === "done") return "Ready: the download starts now.";
    return "It could not be drawn.";
  }

  function followJob() {
    var box = document.querySelector(".job[data-job-url]");
    if (!box || !window.argmapFollowJob) return;
    var bar = box.querySelector(".job__bar");
    var status = box.querySelector(".job__status");
    var error = box.querySelector(".job__error");
    var ready = box.querySelector(".job__ready");

    window.argmapFollowJob(box.getAttribute("data-job-url"), {
      bar: bar,
      update: function (job) {
        status.textContent = jobStatus(job);
      },
      end: function (job) {
        if (job.state === "done") {
          ready.hidden = false;
          window.location.assign(box.getAttribute("data-file-url"));
        } else {
          error.textContent = job.error + " Refresh the page to try again."; // text, never markup
          error.hidden = false;
        }
      },
      lost: function () {
        status.textContent = "No answer from the server: refresh the page to see how far it is.";
      },
    });
  }

  function start() {
    setUpViewer();
    fromHash(location.hash);
    followJob();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

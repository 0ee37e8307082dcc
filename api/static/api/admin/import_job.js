/* argmap admin: follow a big file's import (docs/jobs.md, "Big imports").

   Without this script the page works through its Refresh link. With it, the page asks
   for the job (GET /api/jobs/{id}/) every second, each request within 10 s, moves the bar
   and says how far it is; once the job is done or failed, it loads the page again, which
   then opens the map's page or shows why. The script never writes markup. */
(function () {
  "use strict";

  var POLL_MS = 1000;
  var REQUEST_TIMEOUT_MS = 10000;
  var MISSES = 5;

  function status(job) {
    // The same sentences as api.admin.import_status.
    var total = job.progress.total;
    if (job.state === "queued") return "Waiting for a worker to start it.";
    if (job.state === "running") {
      return total ? (job.progress.done || 0) + " of " + total + " rows written." : "Started: reading the file.";
    }
    if (job.state === "done") return "Imported.";
    return "It could not be imported.";
  }

  function follow() {
    var box = document.querySelector(".import-job[data-job-url]");
    if (!box || !window.fetch) return;
    var bar = box.querySelector(".import-job__bar");
    var said = box.querySelector(".import-job__status");
    var misses = 0;

    function poll() {
      var controller = new AbortController();
      var timer = setTimeout(function () {
        controller.abort();
      }, REQUEST_TIMEOUT_MS);
      fetch(box.getAttribute("data-job-url"), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller.signal,
      })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (job) {
          misses = 0;
          said.textContent = status(job);
          if (job.progress.total) {
            bar.max = job.progress.total;
            bar.value = job.state === "done" ? job.progress.total : job.progress.done || 0;
          }
          if (job.state === "done" || job.state === "failed") {
            window.location.reload();
          } else {
            setTimeout(poll, POLL_MS);
          }
        })
        .catch(function () {
          misses += 1;
          if (misses >= MISSES) {
            said.textContent = "No answer from the server: refresh the page to see how far it is.";
          } else {
            setTimeout(poll, POLL_MS * 2);
          }
        })
        .finally(function () {
          clearTimeout(timer);
        });
    }

    if (box.querySelector(".import-job__error[hidden]")) setTimeout(poll, POLL_MS);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", follow);
  } else {
    follow();
  }
})();

/* argmap: follow a job (GET /api/jobs/{id}/, docs/jobs.md) until it ends. Used by the
   coaches' download page (web/site.js) and the admin's import page (import_job.js).

   window.argmapFollowJob(url, handlers) asks for the job every second, each request
   within 10 s, moves the <progress> handlers.bar (if given) to the job's progress, and
   calls handlers.update(job) with each answer, handlers.end(job) once
   the job is done or failed, and handlers.lost() after five answers missed in a row (a
   miss waits twice as long before the next try). Returns false, doing nothing, where the
   browser has no fetch: the pages work through their Refresh links then. */
(function () {
  "use strict";

  var POLL_MS = 1000;
  var REQUEST_TIMEOUT_MS = 10000;
  var MISSES = 5;

  window.argmapFollowJob = function (url, handlers) {
    if (!window.fetch || !window.AbortController) return false;
    var misses = 0;

    function poll() {
      var controller = new AbortController();
      var timer = setTimeout(function () {
        controller.abort();
      }, REQUEST_TIMEOUT_MS);
      fetch(url, {
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
          var bar = handlers.bar;
          if (bar && job.progress.total) {
            bar.max = job.progress.total;
            bar.value = job.state === "done" ? job.progress.total : job.progress.done || 0;
          }
          handlers.update(job);
          if (job.state === "done" || job.state === "failed") handlers.end(job);
          else setTimeout(poll, POLL_MS);
        })
        .catch(function () {
          misses += 1;
          if (misses >= MISSES) handlers.lost();
          else setTimeout(poll, POLL_MS * 2);
        })
        .finally(function () {
          clearTimeout(timer);
        });
    }

    setTimeout(poll, POLL_MS);
    return true;
  };
})();

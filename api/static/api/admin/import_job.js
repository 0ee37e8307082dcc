/* argmap admin: follow a big file's import (docs/jobs.md, "Big imports").

   Without this script the page works through its Refresh link. With it, the page follows
   the job (api/follow_job.js), moves the bar and says how far it is; once the job is done
   or failed, it loads the page again, which then opens the map's page or shows why. The
   script never writes markup. */
(function () {
  "use strict";

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
    // A failed job's page shows its error already: nothing to follow.
    if (!box || !window.argmapFollowJob || !box.querySelector(".import-job__error[hidden]")) return;
    var bar = box.querySelector(".import-job__bar");
    var said = box.querySelector(".import-job__status");
    window.argmapFollowJob(box.getAttribute("data-job-url"), {
      bar: bar,
      update: function (job) {
        said.textContent = status(job);
      },
      end: function () {
        window.location.reload();
      },
      lost: function () {
        said.textContent = "No answer from the server: refresh the page to see how far it is.";
      },
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", follow);
  } else {
    follow();
  }
})();

"""Tasks of the task queue (Celery, argmap/celery.py): what a worker runs.

``run_job`` runs a job (``api.services.jobs``): it draws a diagram with a job's budget
(``api.diagrams.Spend.job``), reporting the pages laid out as it goes, or writes a big
file's statements and links into the map made for them (``api.services.imports``),
reporting the rows written. Its message is
acknowledged only when it ends (``CELERY_TASK_ACKS_LATE``): a worker killed mid-job leaves
it to another, which counts one more attempt.
"""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from api import diagrams
from api.models import ArgumentMap, JobKind
from api.services import imports, jobs
from api.services.common import PreconditionFailed
from api.services.quotas import QuotaExceeded

log = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def run_job(job_id: str) -> None:
    job = jobs.job_start(job_id=job_id)
    if job is None:
        return
    map_ = ArgumentMap.objects.filter(pk=job.map_id).first()
    if map_ is None:
        jobs.job_fail(job=job, reason="The map was deleted.")
        return
    if map_.version != job.map_version:
        jobs.job_fail(job=job, reason=_map_changed(job, map_.version))
        return
    try:
        if job.kind == JobKind.IMPORT:
            _run_import(job, map_)
        else:
            _run_diagram(job, map_)
    except SoftTimeLimitExceeded:
        jobs.job_fail(
            job=job, reason=f"Not done within {settings.ARGMAP_JOB_TIMEOUT} s (ARGMAP_JOB_TIMEOUT)."
        )
    except Exception:
        # A fault of ours: the job says so rather than stay "running", and the worker logs it.
        jobs.job_fail(job=job, reason=f"The server failed to {_WORK[job.kind]}; it is logged.")
        raise


# What a job does, and what to do about one that failed because its map changed.
_WORK: dict[str, str] = {
    JobKind.DIAGRAM: "draw this diagram",
    JobKind.IMPORT: "import this file",
}
_WAITED: dict[str, str] = {
    JobKind.DIAGRAM: "the diagram waited",
    JobKind.IMPORT: "the file waited to be imported",
}
_AGAIN: dict[str, str] = {
    JobKind.DIAGRAM: "ask for it again.",
    JobKind.IMPORT: "the map is kept as it is; import the file again for a new map.",
}


def _map_changed(job, version: int) -> str:
    return (
        f"The map changed while {_WAITED[job.kind]} (version {job.map_version} is now "
        f"{version}); {_AGAIN[job.kind]}"
    )


def _run_diagram(job, map_: ArgumentMap) -> None:
    try:
        request = diagrams.diagram_request(job.fmt, job.params)
        drawn = diagrams.diagram(
            map_,
            request,
            spend=diagrams.Spend.job(),
            progress=lambda done, total: jobs.job_progress(job=job, done=done, total=total),
        )
    except diagrams.RendererBusy as busy:
        # Every render slot stayed taken: the job waits its turn again, as a new attempt.
        log.info("job %s found no render slot; queued again", job.pk)
        jobs.job_requeue(job=job, delay=busy.retry_after)
        return
    except (diagrams.DiagramError, diagrams.InvalidDiagramOptions) as error:
        jobs.job_fail(job=job, reason=str(error) or _options_message(error))
        return
    jobs.job_finish(job=job, result=drawn.data, notices=drawn.notices)


def _run_import(job, map_: ArgumentMap) -> None:
    try:
        report = imports.import_job_rows(
            job=job,
            map_=map_,
            progress=lambda done, total: jobs.job_progress(job=job, done=done, total=total),
        )
    except PreconditionFailed as changed:  # changed since the check above
        jobs.job_fail(job=job, reason=_map_changed(job, changed.current_version))
        return
    except QuotaExceeded as over:  # the owner's other writes filled it meanwhile
        jobs.job_fail(job=job, reason=str(over))
        return
    jobs.job_finish(job=job, result=report)


def _options_message(error: Exception) -> str:
    errors = getattr(error, "errors", None) or {}
    return " ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items())

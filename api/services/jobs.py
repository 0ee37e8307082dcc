"""Jobs: a diagram too long to draw within a request, drawn by a worker of the task queue
(``api.tasks``). Every change to a job goes through these functions.

A job is asked for with the map's version and the diagram's options; asking again for the
same (map version, options) while it runs, or once it is done, gives the same job, so the
same request twice is drawn once. Unfinished jobs are bounded per requester and in all
(``JobsFull``, which names the limit). A worker takes a job (``job_start``: one attempt
more; past ``ARGMAP_JOB_ATTEMPTS``, or past ``ARGMAP_JOB_TIMEOUT`` since it was asked for,
the job fails instead of running again), reports its progress, and ends it with its
result or a failure that says why.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from api.models import ArgumentMap, Job, JobKind, JobState


class JobsFull(Exception):
    """No job may be added now: ``limit`` names the setting, ``str()`` says what to do."""

    def __init__(self, message: str, limit: str, retry_after: int) -> None:
        super().__init__(message)
        self.limit = limit
        self.retry_after = retry_after


def job_for(
    *,
    map_: ArgumentMap,
    fmt: str,
    params: dict[str, str],
    key: str,
    requester: str,
    before_create: Callable[[], None] | None = None,
) -> tuple[Job, bool]:
    """The job drawing this diagram of the map's current version: one that runs or is done
    already, or a new one, queued (sent to the task queue once the transaction commits),
    after ``before_create`` (which may raise to refuse: the API's render throttles).
    Returns ``(job, created)``. Raises ``JobsFull`` when a new one would pass a limit."""
    try:
        return _job_for(map_, fmt, params, key, requester, before_create)
    except IntegrityError:
        # Another request made the same job in between (the job_one_per_diagram
        # constraint): that one is this request's job too.
        found = _same_job(map_, key)
        if found is None:
            raise
        return found, False


def _same_job(map_: ArgumentMap, key: str) -> Job | None:
    """The job, running or done, drawing this diagram of the map's current version."""
    return (
        Job.objects.filter(map=map_, map_version=map_.version, key=key)
        .exclude(state=JobState.FAILED)
        .first()
    )


def _job_for(
    map_: ArgumentMap,
    fmt: str,
    params: dict[str, str],
    key: str,
    requester: str,
    before_create: Callable[[], None] | None,
) -> tuple[Job, bool]:
    from api.tasks import run_job  # the task module imports this one

    with transaction.atomic():
        found = _same_job(map_, key)
        if found is not None:
            return found, False
        _check_room(requester)
        if before_create is not None:
            before_create()
        job = Job.objects.create(
            map=map_,
            map_version=map_.version,
            fmt=fmt,
            params=params,
            key=key,
            requester=requester,
        )
        transaction.on_commit(lambda: run_job.delay(str(job.pk)))
    # Done already when the queue runs tasks as they are sent (no broker: ``make run``).
    job.refresh_from_db()
    return job, True


def _check_room(requester: str) -> None:
    """Raise ``JobsFull`` if one job more would pass the requester's limit or the
    service's."""
    active = Job.objects.active()
    wait = max(1, settings.ARGMAP_JOB_TIMEOUT // 10)
    if active.filter(requester=requester).count() >= settings.ARGMAP_JOBS_PER_USER:
        raise JobsFull(
            f"You have {settings.ARGMAP_JOBS_PER_USER} jobs running already "
            "(ARGMAP_JOBS_PER_USER); ask again when one is done.",
            "ARGMAP_JOBS_PER_USER",
            wait,
        )
    if active.count() >= settings.ARGMAP_JOBS_TOTAL:
        raise JobsFull(
            f"The service is running {settings.ARGMAP_JOBS_TOTAL} jobs already "
            "(ARGMAP_JOBS_TOTAL); ask again in a while.",
            "ARGMAP_JOBS_TOTAL",
            wait,
        )


def import_job(
    *, map_: ArgumentMap, upload: bytes, fmt: str, params: dict[str, str], requester: str
) -> Job:
    """A new job writing the file ``upload`` into ``map_`` (made empty for it by
    ``map_import_begin``, in the same transaction as the caller's), queued once the
    transaction commits. ``fmt`` is the format forced, or ""; ``params`` the file's name
    and companion text. Raises ``JobsFull`` past a limit."""
    from api.tasks import run_job

    _check_room(requester)
    job = Job.objects.create(
        kind=JobKind.IMPORT,
        map=map_,
        map_version=map_.version,
        fmt=fmt,
        params=params,
        key="import",
        requester=requester,
        upload=upload,
    )
    transaction.on_commit(lambda: run_job.delay(str(job.pk)))
    return job


def job_start(*, job_id: uuid.UUID | str) -> Job | None:
    """Take the job for a run: the job, now running, or None if there is nothing to run
    (it is done, failed, gone, or just failed here for its attempts or its time)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state in (JobState.DONE, JobState.FAILED):
            return None
        if job.attempts >= settings.ARGMAP_JOB_ATTEMPTS:
            job_fail(job=job, reason=f"Given up after {job.attempts} tries (ARGMAP_JOB_ATTEMPTS).")
            return None
        if timezone.now() - job.created_at > timedelta(seconds=settings.ARGMAP_JOB_TIMEOUT):
            job_fail(
                job=job,
                reason=f"Not done within {settings.ARGMAP_JOB_TIMEOUT} s (ARGMAP_JOB_TIMEOUT).",
            )
            return None
        job.attempts += 1
        job.state = JobState.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["attempts", "state", "started_at", "updated_at"])
        return job


def job_requeue(*, job: Job, delay: int) -> None:
    """Put a running job back in the queue, to run again in ``delay`` seconds (its attempts
    bound how often)."""
    from api.tasks import run_job

    Job.objects.filter(pk=job.pk).update(state=JobState.QUEUED, updated_at=timezone.now())
    transaction.on_commit(lambda: run_job.apply_async((str(job.pk),), countdown=delay))


def job_progress(*, job: Job, done: int, total: int) -> None:
    """Record the pages laid out so far, of the pages in all. Progress never goes back:
    pages drawn again (numbered anew) are not counted twice."""
    Job.objects.filter(pk=job.pk, state=JobState.RUNNING).update(
        pages_done=Greatest(F("pages_done"), done), pages_total=total, updated_at=timezone.now()
    )


def job_finish(*, job: Job, result: bytes, notices: tuple[str, ...] = ()) -> None:
    """End the job with its result. The file it imported, if any, is not kept."""
    Job.objects.filter(pk=job.pk).update(
        state=JobState.DONE,
        result=result,
        upload=None,
        notices=" ".join(notices),
        pages_done=Coalesce(F("pages_total"), 0),
        error="",
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


def job_fail(*, job: Job, reason: str) -> None:
    """End the job as failed; ``reason`` says why and what to do. The file it was to
    import, if any, is not kept."""
    Job.objects.filter(pk=job.pk).update(
        state=JobState.FAILED,
        error=reason,
        upload=None,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )

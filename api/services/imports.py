"""Import a map file: read it, tell its format, choose a free slug, write the map.

The one import flow every entry point uses: ``POST /api/maps/import/``, ``manage.py
import_map`` and the admin. A refused file (``FormatError`` with the place at fault, or
``ValidationError`` for a map field) writes nothing.

A big file (``ARGMAP_IMPORT_JOB_MIN_STATEMENTS`` statements or more) may be written by a
job instead (``import_file_or_job``, docs/jobs.md): the file is read and checked within
the request, which makes its map, empty, under the slug it takes; a worker reads the file
again and writes its rows (``import_job_rows``), and the job's result is the report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings
from django.db import transaction

from api.graph.formats import read_map
from api.graph.interchange import ImportResult
from api.limits import import_budget
from api.models import ArgumentMap, Job
from api.services.graphs import Progress, map_import, map_import_begin, map_import_rows
from api.services.jobs import import_job
from api.services.maps import map_free_slug


@dataclass(frozen=True)
class ImportReport:
    """What an import made and what the file held that the map does not.

    ``left_out``: counts by kind of what was not imported; ``notes``: one sentence each
    about what was changed or dropped and why.
    """

    map: ArgumentMap
    statements: int
    links: int
    left_out: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def import_file(
    *,
    name: str,
    data: bytes,
    owner=None,
    fmt: str | None = None,
    slug: str | None = None,
    title: str | None = None,
    is_private: bool = False,
    source_text: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Create a map from the file ``name`` holding ``data`` and return the report.

    ``fmt`` forces a format (default: told from the content); ``slug`` and ``title``
    override what the file gives (default: a free slug from the file's own slug, title or
    name); ``source_text`` is a microtext's companion text. The file is read within
    ``api.limits.import_budget()``. Raises ``FormatError`` (``BudgetExceeded`` and
    ``NestingTooDeep`` past the limits), ``ValidationError`` or ``ValueError`` (an
    unknown ``fmt``) and writes nothing. ``progress`` is told the rows written, as
    ``map_import`` tells it.
    """
    result = _read(name, data, fmt, source_text)
    return _import_read(result, name, owner, slug, title, is_private, progress)


def import_file_or_job(
    *,
    name: str,
    data: bytes,
    requester: str,
    owner=None,
    fmt: str | None = None,
    slug: str | None = None,
    title: str | None = None,
    is_private: bool = False,
    source_text: str | None = None,
) -> ImportReport | Job:
    """As ``import_file``, but a file of ``ARGMAP_IMPORT_JOB_MIN_STATEMENTS`` statements or
    more is checked and its map made (empty) here, and its rows written by a job: returns
    the job (queued, or done already where jobs run as they are sent). ``requester``
    counts against the job limits (``JobsFull``). Raises as ``import_file``, and writes
    nothing then."""
    result = _read(name, data, fmt, source_text)
    if len(result.graph.statements) < settings.ARGMAP_IMPORT_JOB_MIN_STATEMENTS:
        return _import_read(result, name, owner, slug, title, is_private)
    params = {"name": name} if source_text is None else {"name": name, "text": source_text}
    with transaction.atomic():
        map_ = map_import_begin(
            graph=result.graph,
            slug=_slug(result, slug, name),
            title=title or "",
            owner=owner,
            is_private=is_private,
        )
        job = import_job(map_=map_, upload=data, fmt=fmt or "", params=params, requester=requester)
    job.refresh_from_db()  # done already when the queue runs tasks as they are sent
    return job


def _import_read(
    result: ImportResult,
    name: str,
    owner,
    slug: str | None,
    title: str | None,
    is_private: bool,
    progress: Progress | None = None,
) -> ImportReport:
    """Write the file read as ``result`` as a new map, in one transaction."""
    map_ = map_import(
        graph=result.graph,
        slug=_slug(result, slug, name),
        title=title or "",
        owner=owner,
        is_private=is_private,
        progress=progress,
    )
    return _report(map_, result)


def import_job_rows(*, job: Job, map_: ArgumentMap, progress: Progress | None = None) -> bytes:
    """A job's half of ``import_file_or_job``: read the job's file again and write its rows
    into ``map_`` (``map_import_rows``), telling ``progress`` the rows written. Returns the
    report, as JSON (``report_dict``). Raises ``PreconditionFailed`` if the map changed
    since it was made (nothing is written)."""
    result = _read(
        job.params.get("name", ""),
        bytes(job.upload or b""),
        job.fmt or None,
        job.params.get("text"),
    )
    map_import_rows(
        map_=map_,
        graph=result.graph,
        expected_version=job.map_version,
        owner=map_.owner,
        progress=progress,
    )
    return json.dumps(report_dict(_report(map_, result))).encode()


def report_dict(report: ImportReport) -> dict:
    """What the report says beside its map: the rows imported, and what was left out."""
    return {
        "imported": {"statements": report.statements, "links": report.links},
        "left_out": report.left_out,
        "notes": list(report.notes),
    }


def _read(name: str, data: bytes, fmt: str | None, source_text: str | None) -> ImportResult:
    return read_map(data, filename=name, fmt=fmt, source_text=source_text, budget=import_budget())


def _slug(result: ImportResult, slug: str | None, name: str) -> str:
    """The slug asked for, or a free one from the file's own slug, title or name."""
    graph = result.graph
    return slug or map_free_slug(graph.map.slug or graph.map.title or PurePath(name).name or "map")


def _report(map_: ArgumentMap, result: ImportResult) -> ImportReport:
    return ImportReport(
        map=map_,
        statements=len(result.graph.statements),
        links=len(result.graph.links),
        left_out=dict(result.left_out),
        notes=tuple(result.notes),
    )

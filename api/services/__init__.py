"""Writes: every change to a map goes through these functions.

They are keyword-only and atomic, and they hold every rule a map must keep, so the API,
the admin and the import commands cannot drift apart. A broken write raises Django's
``ValidationError`` with a message per field (``{"premises": ["..."]}``) and changes
nothing. Every write that changes something bumps the map's ``version``; one that
changes nothing (the values already held) writes nothing, so the version, the ETag and
the history stay as they were.

One module per entity: ``common`` (errors, text checks, the map lock), ``maps``,
``statements``, ``links``, ``graphs`` (whole maps: import and replace) and ``imports`` (a map
file in any format, read and imported). Callers import
from ``api.services``.
"""

from api.services.common import (
    InUse,
    PreconditionFailed,
    check_text,
    map_bump_version,
    normalize_newlines,
)
from api.services.graphs import map_graph_replace, map_import
from api.services.imports import ImportReport, import_file, import_file_or_job, report_dict
from api.services.jobs import (
    JobsFull,
    job_fail,
    job_finish,
    job_for,
    job_progress,
    job_requeue,
    job_start,
)
from api.services.links import link_create, link_delete, link_update, link_validate
from api.services.maps import (
    MAP_FIELDS,
    map_check_source_text,
    map_create,
    map_delete,
    map_free_slug,
    map_update,
)
from api.services.quotas import QuotaExceeded
from api.services.statements import (
    statement_create,
    statement_delete,
    statement_update,
    statement_validate,
)

__all__ = [
    "MAP_FIELDS",
    "ImportReport",
    "InUse",
    "JobsFull",
    "PreconditionFailed",
    "QuotaExceeded",
    "check_text",
    "import_file",
    "import_file_or_job",
    "job_fail",
    "job_finish",
    "job_for",
    "job_progress",
    "job_requeue",
    "job_start",
    "link_create",
    "link_delete",
    "link_update",
    "link_validate",
    "map_bump_version",
    "map_check_source_text",
    "map_create",
    "map_delete",
    "map_free_slug",
    "map_graph_replace",
    "map_import",
    "map_update",
    "normalize_newlines",
    "report_dict",
    "statement_create",
    "statement_delete",
    "statement_update",
    "statement_validate",
]

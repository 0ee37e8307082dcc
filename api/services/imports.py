"""Import a map file: read it, tell its format, choose a free slug, write the map.

The one import flow every entry point uses: ``POST /api/maps/import/``, ``manage.py
import_map`` and the admin. A refused file (``FormatError`` with the place at fault, or
``ValidationError`` for a map field) writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath

from api.graph.formats import read_map
from api.limits import import_budget
from api.models import ArgumentMap
from api.services.graphs import Progress, map_import
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
    result = read_map(data, filename=name, fmt=fmt, source_text=source_text, budget=import_budget())
    graph = result.graph
    chosen = slug or map_free_slug(
        graph.map.slug or graph.map.title or PurePath(name).name or "map"
    )
    map_ = map_import(
        graph=graph,
        slug=chosen,
        title=title or "",
        owner=owner,
        is_private=is_private,
        progress=progress,
    )
    return ImportReport(
        map=map_,
        statements=len(graph.statements),
        links=len(graph.links),
        left_out=dict(result.left_out),
        notes=tuple(result.notes),
    )

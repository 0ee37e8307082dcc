"""The limits on reading input, from the settings: one home for the import budget that
every import (``services.import_file``) and every JSON request body (``api.parsers``)
is read within."""

from __future__ import annotations

from django.conf import settings

from api.graph.budget import Budget


def import_budget() -> Budget:
    """A fresh budget for reading one file or body: ``ARGMAP_IMPORT_MAX_STEPS`` steps and
    ``ARGMAP_MAX_NESTING`` levels of JSON or YAML (past either: a 400 naming it)."""
    return Budget(max_steps=settings.ARGMAP_IMPORT_MAX_STEPS, max_depth=settings.ARGMAP_MAX_NESTING)

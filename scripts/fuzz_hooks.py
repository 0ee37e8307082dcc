"""Schemathesis hooks of the release run (scripts/fuzz.sh): the suite's hooks
(``clients/schemathesis_hooks.py``), and one that keeps the caller's new links valid.

``scripts/fuzz_config.py`` sets the conclusion of every new or replaced link to the
caller's claim, so that most links the run writes can be stored. A link names exactly one
target (for a new link, the schema's ``oneOf`` says so): where the generated body named a
``target_link`` too, setting the conclusion gave it two, a request the schema forbids (or,
replacing a link, one refused with a 422) sent as a valid one. This hook takes the
generated ``target_link`` out of such a body, as long as it was generated valid; a body
generated to break the schema is sent as generated.
"""

from __future__ import annotations

import sys
from pathlib import Path

import schemathesis
from schemathesis.core.parameters import ParameterLocation

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import clients.schemathesis_hooks  # noqa: F401  (the If-Match formats' generators)

# The writes whose conclusion scripts/fuzz_config.py sets: a new link, and a link replaced.
LINK_WRITES = ("POST /api/links/", "PUT /api/links/{id}/")


@schemathesis.hook
def before_call(ctx, case, kwargs) -> None:
    meta = case.meta
    if case.operation.label not in LINK_WRITES or (
        meta and meta.is_negative_at(ParameterLocation.BODY)
    ):
        return
    body = case.body
    if isinstance(body, dict) and None not in (body.get("conclusion"), body.get("target_link")):
        case.body = {**body, "target_link": None}

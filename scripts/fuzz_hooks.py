"""Schemathesis hooks of the release run (scripts/fuzz.sh): the suite's hooks
(``clients/schemathesis_hooks.py``), and one that keeps the caller's new links valid.

``scripts/fuzz_config.py`` sets every new link's conclusion to the caller's claim, so that
most links the run writes can be stored. The schema has a new link name exactly one target
(a ``oneOf``): where the generated body named a ``target_link`` instead, setting the
conclusion gave it two, a request the schema forbids sent as a valid one. This hook takes
the generated ``target_link`` out of such a body, as long as it was generated valid; a body
generated to break the schema is sent as generated.
"""

from __future__ import annotations

import sys
from pathlib import Path

import schemathesis
from schemathesis.core.parameters import ParameterLocation

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import clients.schemathesis_hooks  # noqa: F401  (the If-Match formats' generators)

NEW_LINK = "POST /api/links/"


@schemathesis.hook
def before_call(ctx, case, kwargs) -> None:
    meta = case.meta
    if case.operation.label != NEW_LINK or (meta and meta.is_negative_at(ParameterLocation.BODY)):
        return
    body = case.body
    if isinstance(body, dict) and None not in (body.get("conclusion"), body.get("target_link")):
        case.body = {**body, "target_link": None}

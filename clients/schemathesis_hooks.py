"""Schemathesis hooks for argmap's API, loaded by ``schemathesis.toml`` (``hooks``) when
``st run`` runs from the repository's root, and imported by ``tests/test_fuzz.py``.

The If-Match header's schema names its syntax as a format ("if-match": an ETag or ``*``;
"etag": an ETag) beside its pattern. Schemathesis 4.32 draws header values for its
coverage phase from letters and digits; finding none that fit a pattern needing quotes, it
seeds the header with an invalid value and sends that in cases it counts as valid. A
generator registered for the format draws from the pattern itself, so no such case is sent.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import schemathesis
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "argmap.settings")

import django

django.setup()

from api.views import ETAG_PATTERN, IF_MATCH_PATTERN  # noqa: E402

for name, pattern in (("if-match", IF_MATCH_PATTERN), ("etag", ETAG_PATTERN)):
    schemathesis.openapi.format(name, st.from_regex(pattern, fullmatch=True))

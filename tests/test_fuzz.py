"""Schemathesis against the OpenAPI schema, in process: every documented operation with
generated input, as a signed-in staff user and anonymously. No 5xx; responses conform to
the schema (status codes, content types, bodies)."""

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from argmap.wsgi import application

# Loaded at import: the schema view needs no database. (schemathesis' lazy
# ``from_fixture`` loader does not run under pytest 9.)
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture
def essay(db):
    call_command("load_essay", verbosity=0)


@pytest.fixture
def staff_token(db, staff) -> str:
    return Token.objects.create(user=staff).key


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(autouse=True)
def _keep_test_connection():
    # Requests here go straight to the WSGI app, whose request signals would close the
    # test's database connection (inside its transaction); Django's test client does
    # the same disconnecting.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.ARGMAP_THROTTLE_RATES = {"anon": None, "user": None}


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_as_staff(case, essay, staff_token):
    case.call_and_validate(headers={"Authorization": f"Token {staff_token}"}, checks=CHECKS)


@schema.parametrize()
@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_anonymous(case, essay):
    case.call_and_validate(checks=CHECKS)

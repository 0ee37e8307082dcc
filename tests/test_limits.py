"""Limits: request size, throttling, page size."""

import pytest

from api.models import Statement

pytestmark = pytest.mark.django_db


def test_oversized_body_is_413_and_changes_nothing(auth_client, cats_map, settings):
    settings.ARGMAP_MAX_REQUEST_BYTES = 1000
    count = Statement.objects.count()
    response = auth_client.post(
        "/api/statements/", {"map": "cats", "text": "x" * 2000}, format="json"
    )
    assert response.status_code == 413
    assert "1000 bytes" in response.json()["detail"]
    assert Statement.objects.count() == count


def test_anonymous_throttled_with_retry_after(api_client, cats_map, settings):
    settings.ARGMAP_THROTTLE_RATES = {"anon": "3/min", "user": "100/min"}
    codes = [api_client.get("/api/maps/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = api_client.get("/api/maps/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_signed_in_users_have_their_own_budget(auth_client, api_client, cats_map, settings):
    settings.ARGMAP_THROTTLE_RATES = {"anon": "1/min", "user": "5/min"}
    assert api_client.get("/api/maps/").status_code == 200
    assert api_client.get("/api/maps/").status_code == 429
    codes = [auth_client.get("/api/maps/").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]

"""Rate limits that hold behind a proxy, and on the login views (issue #12, item 4)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def anon_rate(settings):
    settings.ARGMAP_THROTTLE_RATES = {"anon": "20/min", "user": "100/min", "login": "10/min"}
    return settings


def with_proxies(settings, n: int) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": n}


def test_rotating_x_forwarded_for_does_not_buy_a_fresh_quota(api_client, cats_map, anon_rate):
    codes = [
        api_client.get("/api/maps/", HTTP_X_FORWARDED_FOR=f"10.{i // 250}.{i % 250}.1").status_code
        for i in range(200)
    ]
    assert codes.count(200) == 20
    assert codes.count(429) == 180


def test_behind_one_proxy_clients_are_told_apart_by_its_entry(api_client, cats_map, anon_rate):
    with_proxies(anon_rate, 1)
    # The proxy appends the address it saw; whatever the client sent before it is ignored.
    for i in range(30):
        response = api_client.get("/api/maps/", HTTP_X_FORWARDED_FOR=f"6.6.6.{i}, 192.0.2.1")
    assert response.status_code == 429
    assert api_client.get("/api/maps/", HTTP_X_FORWARDED_FOR="192.0.2.2").status_code == 200


def wrong_passwords(client: Client, url: str, username: str, times: int, **extra) -> list[int]:
    return [
        client.post(url, {"username": username, "password": f"wrong-{i}"}, **extra).status_code
        for i in range(times)
    ]


@pytest.mark.parametrize("url", ["/api/auth/login/", "/admin/login/"])
def test_repeated_bad_logins_are_throttled(url, user, staff, anon_rate):
    codes = wrong_passwords(Client(), url, "alice", 30)
    assert codes[:10] == [200] * 10  # the form again, with its error
    assert set(codes[10:]) == {429}
    response = Client().post(url, {"username": "alice", "password": "pw-alice-123"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many login attempts" in response.content.decode()


def test_bad_logins_from_many_addresses_are_throttled_per_username(user, anon_rate):
    client = Client()
    codes = [
        client.post(
            "/api/auth/login/",
            {"username": "Alice", "password": "wrong"},
            REMOTE_ADDR=f"198.51.100.{i}",
        ).status_code
        for i in range(15)
    ]
    assert codes.count(429) == 5
    # Another user, from another address, is not locked out.
    other = client.post(
        "/api/auth/login/", {"username": "bob", "password": "x"}, REMOTE_ADDR="203.0.113.9"
    )
    assert other.status_code == 200


def test_login_page_itself_is_not_throttled(anon_rate):
    client = Client()
    assert {client.get("/admin/login/").status_code for _ in range(20)} == {200}


def test_a_good_login_within_the_limit_works(user, anon_rate):
    client = Client()
    wrong_passwords(client, "/api/auth/login/", "alice", 3)
    response = client.post("/api/auth/login/", {"username": "alice", "password": "pw-alice-123"})
    assert response.status_code == 302

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


@pytest.fixture
def clock(monkeypatch):
    """The login guard's clock, moved by hand."""
    from api import throttling

    now = [1_000_000.0]
    monkeypatch.setattr(throttling.time, "time", lambda: now[0])
    return now


def login(client: Client, username: str, password: str, address: str, url="/api/auth/login/"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_ten_wrong_passwords_stop_the_guessers_address_not_the_user(staff, anon_rate):
    # The check: ten wrong passwords for a staff user from one address, then the
    # right one from another.
    guesser = Client()
    admin = "/admin/login/"
    codes = [
        login(guesser, "root", f"wrong-{i}", "192.0.2.66", admin).status_code for i in range(10)
    ]
    assert codes == [200] * 10
    stopped = login(guesser, "root", "pw-root-123", "192.0.2.66", admin)
    assert stopped.status_code == 429
    assert int(stopped["Retry-After"]) >= 1
    user = login(Client(), "root", "pw-root-123", "198.51.100.7", admin)
    assert user.status_code == 302


def test_each_failure_past_the_free_ones_doubles_the_wait(user, settings, clock):
    settings.ARGMAP_THROTTLE_RATES = {"anon": "20/min", "user": "100/min", "login": "1000/min"}
    client = Client()
    for i in range(10):
        assert login(client, "alice", f"wrong-{i}", "192.0.2.66").status_code == 200
    waits = []
    for _ in range(4):
        refused = login(client, "alice", "wrong", "192.0.2.66")
        assert refused.status_code == 429
        waits.append(int(refused["Retry-After"]))
        clock[0] += waits[-1]  # waited as told: the next try is taken, and fails
        assert login(client, "alice", "wrong", "192.0.2.66").status_code == 200
    assert waits == [1, 2, 4, 8]
    # A good password, once the wait is over, signs in and forgets the failures.
    clock[0] += 16
    assert login(client, "alice", "pw-alice-123", "192.0.2.66").status_code == 302
    assert login(Client(), "alice", "wrong", "192.0.2.66").status_code == 200


def test_a_guesser_on_many_addresses_is_stopped_but_the_users_own_browser_signs_in(
    user, settings, clock
):
    settings.ARGMAP_THROTTLE_RATES = {"anon": "20/min", "user": "100/min", "login": "1000/min"}
    own_browser = Client()
    assert login(own_browser, "alice", "pw-alice-123", "203.0.113.5").status_code == 302
    device = own_browser.cookies["argmap_signed_in_before"].value
    for i in range(10):
        assert login(Client(), "alice", "wrong", f"198.51.100.{i}").status_code == 200
    # A new address, even with the right password, waits out the window...
    fresh = login(Client(), "alice", "pw-alice-123", "198.51.100.200")
    assert fresh.status_code == 429
    # ... but a browser that has signed in as alice before does not, from anywhere.
    returning = Client()
    returning.cookies["argmap_signed_in_before"] = device
    assert login(returning, "alice", "pw-alice-123", "192.0.2.1").status_code == 302
    # A forged cookie is no cookie.
    forged = Client()
    forged.cookies["argmap_signed_in_before"] = device + "x"
    assert login(forged, "alice", "pw-alice-123", "198.51.100.201").status_code == 429
    # Once the window has passed, new addresses may try again.
    clock[0] += 901
    assert login(Client(), "alice", "pw-alice-123", "198.51.100.200").status_code == 302

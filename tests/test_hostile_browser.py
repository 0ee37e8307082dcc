"""The Content-Security-Policy header in a real browser: the coaches' page (with a 120-deep
chain of undercutters), the admin and the API docs load their scripts and styles with the
header on, and Chromium reports no violation.

Skipped as a whole when Chromium or chromedriver is missing (as ``tests/test_browser.py``).
"""

from __future__ import annotations

import urllib.request

import pytest

from api import services
from api.graph import graphjson
from tests import hostile_corpus as corpus
from tests.browser import chromium_fixture, require_chromium
from tests.helpers import build_map

require_chromium()

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

pytestmark = pytest.mark.browser
WAIT = 20


browser = chromium_fixture(console_log=True)


@pytest.fixture
def site(transactional_db, live_server, django_user_model):
    owner = django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-1")
    build_map(owner=owner)
    graph = graphjson.from_dict(corpus.graph_chain(120))
    services.map_import(graph=graph, slug="chain", owner=owner)
    return live_server.url


def policy_of(url: str) -> str:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.headers.get("Content-Security-Policy", "")


def problems(browser) -> list[str]:
    """What Chromium logged as an error (a refused script or style is one), but for the
    browser's own request of /favicon.ico, which this site does not serve."""
    return [
        entry["message"]
        for entry in browser.get_log("browser")
        if entry["level"] == "SEVERE" and "/favicon.ico " not in entry["message"]
    ]


def stylesheets_applied(browser) -> int:
    return browser.execute_script(
        "return Array.from(document.styleSheets).filter(s => s.cssRules.length > 0).length"
    )


def test_coaches_page_works_under_its_content_security_policy(site, browser):
    assert "script-src 'self'" in policy_of(f"{site}/maps/cats/")
    browser.get(f"{site}/maps/cats/")
    WebDriverWait(browser, WAIT).until(ec.presence_of_element_located((By.ID, "argument")))
    assert stylesheets_applied(browser) >= 1
    # site.js runs: choosing a statement's passage highlights it
    link = browser.find_element(By.CSS_SELECTOR, "a.passage-link")
    passage = f"q-{link.get_attribute('data-passage')}"
    browser.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", link
    )
    link.click()
    WebDriverWait(browser, WAIT).until(
        lambda b: "is-active" in b.find_element(By.ID, passage).get_attribute("class")
    )
    assert problems(browser) == []


def test_deep_chain_page_renders_under_the_policy(site, browser):
    browser.get(f"{site}/maps/chain/")
    WebDriverWait(browser, WAIT).until(ec.presence_of_element_located((By.ID, "argument")))
    replies = browser.find_elements(By.CSS_SELECTOR, "li.reply")
    assert len(replies) == 119
    indents = [
        browser.execute_script("return getComputedStyle(arguments[0]).marginLeft", reply)
        for reply in (replies[0], replies[1], replies[5], replies[-1])
    ]
    # indented by depth (from site.css, so the stylesheet loaded), capped from level 6 on
    assert indents[0] == "0px"
    assert indents[1] != indents[0]
    assert indents[2] == indents[3] != indents[1]
    assert problems(browser) == []


@pytest.mark.parametrize("path", ["/admin/login/", "/api/docs/"])
def test_admin_and_api_docs_work_under_the_policy(site, browser, path):
    assert policy_of(f"{site}{path}")
    browser.get(f"{site}{path}")
    WebDriverWait(browser, WAIT).until(
        lambda b: b.execute_script("return document.readyState") == "complete"
    )
    assert stylesheets_applied(browser) >= 1
    if path == "/api/docs/":  # Swagger UI is drawn by its script
        WebDriverWait(browser, WAIT).until(
            ec.presence_of_element_located((By.CSS_SELECTOR, ".swagger-ui .info"))
        )
    assert problems(browser) == []

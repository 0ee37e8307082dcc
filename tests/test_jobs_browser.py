"""A coach downloads a big map's deck in Chromium: the download link leads to a page that
follows the job drawing it (docs/jobs.md), shows the pages laid out on a progress bar, and
starts the download when the file is ready; a failed job says why, as text.

The worker is played by the test: the queue does not run the job when it is made, and the
test starts it, reports progress and runs it (``api.tasks.run_job``) in its place.
Skipped as a whole when Chromium, chromedriver or Graphviz's ``dot`` is missing.
"""

from __future__ import annotations

import urllib.request

import pytest
from django.core.management import call_command

from api.models import Job
from api.services import jobs
from api.tasks import run_job
from tests.browser import chromium_fixture, require_chromium

require_chromium(graphviz=True)

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

pytestmark = pytest.mark.browser

SLUG = "kozyrev-2019-russo-japanese-peace-treaty"
WAIT = 20  # seconds; the page asks for the job's state every second


browser = chromium_fixture(console_log=True)


@pytest.fixture
def essay(transactional_db, live_server, settings, monkeypatch):
    """The essay's map, big enough for its handouts and decks to be jobs, with a queue that
    holds a new job until the test runs it."""
    call_command("load_essay", verbosity=0)
    settings.ARGMAP_JOB_MIN_STATEMENTS = 10
    monkeypatch.setattr(run_job, "delay", lambda *args, **kwargs: None)
    return live_server.url


def wait(browser):
    return WebDriverWait(browser, WAIT)


def text_of(browser, selector: str) -> str:
    return browser.find_element(By.CSS_SELECTOR, selector).text


def bar(browser) -> dict:
    return browser.execute_script(
        "var b = document.querySelector('.job__bar');"
        "return {value: b.hasAttribute('value') ? b.value : null, max: b.max};"
    )


def test_a_coach_follows_a_big_decks_drawing_and_gets_the_pdf(essay, browser):
    browser.get(f"{essay}/maps/{SLUG}/")
    link = wait(browser).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, 'a.download[data-format="slides"]'))
    )
    browser.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", link
    )
    link.click()

    wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".job__bar")))
    assert browser.title.startswith("Drawing the Slides (16:9) of Kozyrev (2019)")
    assert text_of(browser, ".job__status") == "Waiting for a worker to start it."
    assert bar(browser)["value"] is None  # indeterminate: the pages are not counted yet
    job = Job.objects.get()
    assert job.params["page"] == "slides"

    # A worker takes it and lays out three pages of twelve: the bar follows.
    jobs.job_start(job_id=job.pk)
    jobs.job_progress(job=job, done=3, total=12)
    wait(browser).until(lambda b: text_of(b, ".job__status") == "3 of 12 pages laid out.")
    assert bar(browser) == {"value": 3, "max": 12}

    # It ends: the page offers the file and starts its download.
    run_job(str(job.pk))
    wait(browser).until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".job__ready a")))
    assert text_of(browser, ".job__status") == "Ready: the download starts now."
    done = bar(browser)
    assert done["value"] == done["max"] >= 1
    href = browser.find_element(By.CSS_SELECTOR, ".job__ready a").get_attribute("href")
    with urllib.request.urlopen(href, timeout=60) as response:
        assert response.status == 200
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="{SLUG}-slides.pdf"'
        )
        assert response.read().startswith(b"%PDF")
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_a_failed_job_says_why_as_text(essay, browser):
    browser.get(f"{essay}/maps/{SLUG}/diagram.pdf?page=a4")
    wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".job__bar")))
    job = Job.objects.get()
    jobs.job_fail(job=job, reason="<b>Not</b> drawn: the worker stopped.")

    error = wait(browser).until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".job__error")))
    assert error.text == "<b>Not</b> drawn: the worker stopped. Refresh the page to try again."
    assert browser.find_elements(By.CSS_SELECTOR, ".job__error b") == []
    assert text_of(browser, ".job__status") == "It could not be drawn."
    assert not browser.find_element(By.CSS_SELECTOR, ".job__ready").is_displayed()

    # Refreshing asks again: a new job, as a worker would take it.
    browser.find_element(By.LINK_TEXT, "Refresh").click()
    wait(browser).until(lambda b: Job.objects.count() == 2)
    wait(browser).until(lambda b: text_of(b, ".job__status") == "Waiting for a worker to start it.")

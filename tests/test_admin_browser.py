"""The admin as an analyst's workbench, in a real browser: Debian's headless Chromium driven
by Selenium against pytest-django's live server.

An admin creates a map by pasting a text, quotes passages by selecting them (a programmatic
Selection, then the **Quote selection** button), links them, sees the diagram change, edits
and reverts from the history; the API then serves each quote at the selected offsets. The
essay's map saves unchanged from the browser (textareas come back with CRLF line ends).

Skipped as a whole when Chromium, chromedriver or Graphviz's ``dot`` is missing. Set
``ARGMAP_SCREENSHOTS=1`` to write the README's screenshots to docs/.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from unittest.mock import patch

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.browser import require_chromium, start_chromium

require_chromium(graphviz=True)

from selenium.webdriver.common.actions.action_builder import ActionBuilder  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

from api import services  # noqa: E402
from api.admin import diagram_draws_numbers  # noqa: E402
from api.models import ArgumentMap, Statement  # noqa: E402

pytestmark = pytest.mark.browser

WAIT = 20  # seconds; a cold Graphviz run and Chromium start can be slow on a busy machine
PASSWORD = "pw-root-123"
ESSAY = "kozyrev-2019-russo-japanese-peace-treaty"
DOCS = Path(settings.BASE_DIR) / "docs"

# Several lines (the browser sends them back as CRLF) and characters outside the Basic
# Multilingual Plane, which JavaScript counts as two: offsets after them must not drift.
SOURCE = (
    "Should a family adopt a cat? 🐈 A short essay.\n"
    "Cats are good pets for a busy family.\n"
    "They are quiet, and they keep themselves clean.\n"
    "\n"
    "They are independent 😺 and need no walks.\n"
    "But they scratch the furniture.\n"
)
PASSAGES = (
    "Cats are good pets for a busy family",
    "They are quiet, and they keep themselves clean",
    "They are independent 😺 and need no walks",
)


@pytest.fixture(scope="module")
def browser():
    driver = start_chromium(width=1400, height=1000)
    yield driver
    driver.quit()


@pytest.fixture
def admin(transactional_db, live_server, browser, django_user_model):
    """A signed-in superuser's browser; returns the live server's URL."""
    django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)
    browser.delete_all_cookies()
    browser.set_window_size(1400, 1000)
    browser.get(f"{live_server.url}/admin/login/")
    browser.find_element(By.NAME, "username").send_keys("root")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    # signed in: the index page, with the user's tools (the login page has none)
    wait(browser).until(ec.presence_of_element_located((By.ID, "user-tools")))
    return live_server.url


def wait(browser):
    return WebDriverWait(browser, WAIT)


def click(browser, element) -> None:
    browser.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element
    )
    element.click()


def save_and_continue(browser) -> None:
    old = browser.find_element(By.TAG_NAME, "html")
    click(browser, browser.find_element(By.NAME, "_continue"))
    wait(browser).until(ec.staleness_of(old))


def success_message(browser) -> str:
    return " ".join(e.text for e in browser.find_elements(By.CSS_SELECTOR, ".messagelist .success"))


def page_errors(browser) -> str:
    return " ".join(
        e.text for e in browser.find_elements(By.CSS_SELECTOR, ".errornote, .errorlist")
    )


def select_passage(browser, passage: str) -> None:
    """Select ``passage`` in the source text as a user's mouse would: a DOM Range over the
    text nodes (the passage may run across highlighted quotes)."""
    wait(browser).until(ec.presence_of_element_located((By.ID, "argmap-source-text")))
    found = browser.execute_script(
        """
        const source = document.getElementById('argmap-source-text');
        const start = source.textContent.indexOf(arguments[0]);
        if (start < 0) return false;
        const end = start + arguments[0].length;
        const walker = document.createTreeWalker(source, NodeFilter.SHOW_TEXT);
        const range = document.createRange();
        let seen = 0, node;
        while ((node = walker.nextNode())) {
          const length = node.data.length;
          if (seen <= start && start <= seen + length) range.setStart(node, start - seen);
          if (seen <= end && end <= seen + length) { range.setEnd(node, end - seen); break; }
          seen += length;
        }
        source.scrollIntoView({block: 'center', behavior: 'instant'});
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        return selection.toString() === arguments[0];
        """,
        passage,
    )
    assert found, passage


def quote(browser, passage: str) -> None:
    select_passage(browser, passage)
    browser.find_element(By.ID, "argmap-quote-button").click()


def diagram(browser) -> dict:
    """The inline diagram once loaded: its ETag, statement boxes and edges."""
    wait(browser).until(
        lambda b: b.execute_script(
            "const d = document.querySelector('.argmap-diagram');"
            "return d && d.dataset.state === 'ready';"
        )
    )
    return browser.execute_script(
        """
        const d = document.querySelector('.argmap-diagram');
        return {
          etag: d.dataset.etag,
          boxes: Array.from(d.querySelectorAll('a.argmap-diagram-link'))
                      .map(a => a.getAttribute('href')),
          edges: d.querySelectorAll('g.edge').length,
          texts: Array.from(d.querySelectorAll('a.argmap-diagram-link'))
                      .map(a => Array.from(a.querySelectorAll('text'))
                                     .map(t => t.textContent).join(' ')),
        };
        """
    )


def choose(browser, select_id: str, term: str, option_text: str) -> list[str]:
    """Pick an option of a select2 autocomplete by typing ``term``; return what it
    offered."""
    container = browser.find_element(By.CSS_SELECTOR, f"#{select_id} + .select2")
    click(browser, container.find_element(By.CSS_SELECTOR, ".select2-selection"))
    search = wait(browser).until(
        ec.visibility_of_element_located(
            (By.CSS_SELECTOR, ".select2-container--open .select2-search__field")
        )
    )
    search.send_keys(term)

    def settled(b) -> bool:
        # the answer to this term has come: no "Searching…", and every option matches it
        texts = [o.text for o in b.find_elements(By.CSS_SELECTOR, ".select2-results__option")]
        return (
            any(option_text in t for t in texts)
            and not b.find_elements(By.CSS_SELECTOR, ".select2-results__option.loading-results")
            and all(term.lower() in t.lower() for t in texts)
        )

    wait(browser).until(settled)
    options = browser.find_elements(By.CSS_SELECTOR, ".select2-results__option")
    offered = [o.text for o in options]
    next(o for o in options if option_text in o.text).click()
    return offered


def api_statements(browser, base: str, slug: str) -> list[dict]:
    browser.get(f"{base}/api/statements/?map={slug}&format=json")
    return json.loads(browser.find_element(By.TAG_NAME, "body").text)["results"]


def shoot(browser, name: str, at: str = "") -> None:
    if os.environ.get("ARGMAP_SCREENSHOTS") == "1":
        if at:
            browser.execute_script(
                "document.querySelector(arguments[0]).scrollIntoView({block: 'start'})", at
            )
        browser.save_screenshot(str(DOCS / name))


def test_map_a_new_text_by_selecting_passages(admin, browser, make_map):
    other = make_map("someone-elses")  # its statements must never be offered
    browser.get(f"{admin}/admin/api/argumentmap/add/")
    browser.find_element(By.ID, "id_title").send_keys("Adopting a cat")
    # pasted: set at once, as a paste does (ChromeDriver cannot type characters past U+FFFF)
    browser.execute_script(
        "const t = document.getElementById('id_source_text'); t.value = arguments[0];"
        "t.dispatchEvent(new Event('input', {bubbles: true}));",
        SOURCE,
    )
    save_and_continue(browser)
    assert "was added successfully" in success_message(browser), page_errors(browser)
    map_ = ArgumentMap.objects.get(slug="adopting-a-cat")
    assert map_.source_text == SOURCE  # CRLF from the browser stored as LF
    empty = diagram(browser)
    assert empty["boxes"] == []

    for passage in PASSAGES:
        quote(browser, passage)
    rows = browser.find_elements(By.CSS_SELECTOR, "#statements-group tr.argmap-quoted")
    assert len(rows) == 3
    drafts = [r.find_element(By.CSS_SELECTOR, "textarea[name$='-text']") for r in rows]
    assert [d.get_attribute("value") for d in drafts] == list(PASSAGES)
    drafts[0].clear()
    drafts[0].send_keys("Cats suit a busy family.")
    shoot(browser, "screenshot-admin-quote.png")
    save_and_continue(browser)
    assert "was changed successfully" in success_message(browser), page_errors(browser)
    assert len(diagram(browser)["boxes"]) == 3

    # the API serves each quote at the offsets Python counts (code points)
    served = {s["quote"]: s for s in api_statements(browser, admin, map_.slug)}
    assert set(served) == set(PASSAGES)
    for passage in PASSAGES:
        start = SOURCE.index(passage)
        assert (served[passage]["quote_start"], served[passage]["quote_end"]) == (
            start,
            start + len(passage),
        )
    assert served[PASSAGES[0]]["text"] == "Cats suit a busy family."
    claim, quiet, independent = (served[p]["id"] for p in PASSAGES)

    # link two of them to the third; the autocompletes offer only this map's statements
    browser.get(f"{admin}/admin/api/argumentmap/{map_.pk}/change/")
    before = diagram(browser)
    link_row = browser.find_element(By.CSS_SELECTOR, "#links-group tr.dynamic-links")
    prefix = link_row.get_attribute("id")  # links-0
    Select(browser.find_element(By.ID, f"id_{prefix}-kind")).select_by_value("support")
    offered = choose(browser, f"id_{prefix}-premise_statements", "quiet", f"#{quiet} ")
    assert offered == [f"#{quiet} unlinked: They are quiet, and they keep themselves clean"]
    choose(browser, f"id_{prefix}-premise_statements", "independent", f"#{independent} ")
    offered = choose(browser, f"id_{prefix}-conclusion", "a", f"#{claim} ")
    theirs = {f"#{pk} " for pk in other.statements.values_list("pk", flat=True)}
    assert offered
    assert not [o for o in offered if any(o.startswith(t) for t in theirs)]
    assert all(o.startswith("#") for o in offered)
    save_and_continue(browser)
    assert "was changed successfully" in success_message(browser), page_errors(browser)
    after = diagram(browser)
    assert after["etag"] != before["etag"]  # the new version, not a cached drawing
    assert after["edges"] > before["edges"]
    assert sorted(after["boxes"]) == sorted(f"#statement-{i}" for i in (claim, quiet, independent))
    # numbered boxes, the rows' numbers (when the diagram endpoint draws numbers)
    if diagram_draws_numbers():
        for href, text in zip(after["boxes"], after["texts"], strict=True):
            assert text.startswith("#" + href.removeprefix("#statement-") + " ")
    link = map_.links.get()
    assert str(link) == f"#{quiet} + #{independent} → #{claim}"
    assert link.premise_rows.order_by("position").first().statement_id == quiet
    shoot(browser, "screenshot-admin-diagram.png", ".argmap-diagram")
    # a box leads to its statement's row
    box = browser.find_element(By.CSS_SELECTOR, f'a.argmap-diagram-link[href="#statement-{claim}"]')
    browser.execute_script(
        "arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", box
    )
    assert browser.execute_script("return location.hash") == f"#statement-{claim}"

    # edit a statement, then revert it from its history
    text = browser.find_element(By.CSS_SELECTOR, "#statements-group textarea[name$='-text']")
    original = text.get_attribute("value")
    text.clear()
    text.send_keys("An edit to be undone.")
    save_and_continue(browser)
    edited = Statement.objects.get(text="An edit to be undone.")
    assert edited.map_id == map_.pk
    browser.get(f"{admin}/admin/api/statement/{edited.pk}/history/")
    records = browser.find_elements(By.CSS_SELECTOR, "#change-history tbody tr td:first-child a")
    click(browser, records[-1])  # the oldest version
    wait(browser).until(ec.presence_of_element_located((By.NAME, "_save")))
    assert browser.find_element(By.ID, "id_text").get_attribute("value") == original
    click(browser, browser.find_element(By.NAME, "_save"))
    wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".messagelist")))
    edited.refresh_from_db()
    assert edited.text == original


def test_a_statement_page_quotes_from_its_maps_source(admin, browser):
    map_ = services.map_create(slug="cats", title="Cats", source_text=SOURCE)
    statement = services.statement_create(map_=map_, text="Cats need no walks.")
    browser.get(f"{admin}/admin/api/statement/{statement.pk}/change/")
    assert not browser.find_elements(By.CSS_SELECTOR, "mark.argmap-quote")
    quote(browser, "\n" + PASSAGES[2] + ".\n")  # white space around is left out
    assert browser.find_element(By.ID, "id_quote").get_attribute("value") == PASSAGES[2] + "."
    assert browser.find_element(By.ID, "id_text").get_attribute("value") == "Cats need no walks."
    save_and_continue(browser)
    assert "was changed successfully" in success_message(browser), page_errors(browser)
    statement.refresh_from_db()
    start = SOURCE.index(PASSAGES[2])
    assert (statement.quote_start, statement.quote_end) == (start, start + len(PASSAGES[2]) + 1)
    # its own passage is marked, and scrolled into the source's view
    mark = browser.find_element(By.CSS_SELECTOR, "mark.argmap-quote.is-current")
    assert mark.text == PASSAGES[2] + "."


def test_link_page_autocomplete_offers_only_the_chosen_maps_statements(admin, browser, make_map):
    one, two = make_map("one"), make_map("two")
    browser.get(f"{admin}/admin/api/link/add/")
    Select(browser.find_element(By.ID, "id_map")).select_by_value(str(two.pk))
    offered = choose(browser, "id_premise_statements", "Cats", "Cats are quiet.")
    ids = {int(o.split()[0][1:]) for o in offered if o.startswith("#")}
    assert ids
    assert ids <= set(two.statements.values_list("pk", flat=True))
    assert not ids & set(one.statements.values_list("pk", flat=True))


def test_the_essays_map_saves_unchanged_and_history_keeps_the_original(admin, browser):
    call_command("load_essay", verbosity=0)  # through the services, with history
    map_ = ArgumentMap.objects.get(slug=ESSAY)
    version = map_.version
    browser.get(f"{admin}/admin/api/argumentmap/{map_.pk}/change/")
    assert diagram(browser)["boxes"]
    shoot(browser, "screenshot-admin-workbench.png", "#statements-group")
    save_and_continue(browser)
    assert "was changed successfully" in success_message(browser), page_errors(browser)
    assert not page_errors(browser)
    map_.refresh_from_db()
    assert map_.version == version  # nothing changed, so no new version

    statement = map_.statements.exclude(quote_start=None).order_by("-quote_start")[0]
    original = statement.text
    browser.get(f"{admin}/admin/api/statement/{statement.pk}/change/")
    # its passage, near the end of the essay, is in the source panel's view
    assert browser.execute_script(
        """
        const box = document.getElementById('argmap-source-text').getBoundingClientRect();
        const mark = document.querySelector('mark.is-current').getBoundingClientRect();
        return mark.top >= box.top && mark.bottom <= box.bottom;
        """
    )
    text = browser.find_element(By.ID, "id_text")
    text.clear()
    text.send_keys("Edited in the admin.")
    save_and_continue(browser)
    assert "was changed successfully" in success_message(browser), page_errors(browser)
    browser.get(f"{admin}/admin/api/statement/{statement.pk}/history/")
    records = browser.find_elements(By.CSS_SELECTOR, "#change-history tbody tr td:first-child a")
    assert len(records) == 2
    click(browser, records[-1])
    wait(browser).until(ec.presence_of_element_located((By.ID, "id_text")))
    assert browser.find_element(By.ID, "id_text").get_attribute("value") == original


def drag_select(browser, passage: str) -> None:
    """Select ``passage`` with the mouse: press before its first character, drag to after
    its last, release (as an analyst does; it may start on a highlighted quote)."""
    wait(browser).until(ec.presence_of_element_located((By.ID, "argmap-source-text")))
    start, end = browser.execute_script(
        """
        const source = document.getElementById('argmap-source-text');
        source.scrollIntoView({block: 'start', behavior: 'instant'});
        const at = source.textContent.indexOf(arguments[0]);
        const walker = document.createTreeWalker(source, NodeFilter.SHOW_TEXT);
        function rectOf(offset) {
          let seen = 0, node;
          walker.currentNode = source;
          while ((node = walker.nextNode())) {
            if (offset < seen + node.data.length) {
              const r = document.createRange();
              r.setStart(node, offset - seen);
              r.setEnd(node, offset - seen + 1);
              return r.getBoundingClientRect();
            }
            seen += node.data.length;
          }
        }
        const first = rectOf(at), last = rectOf(at + arguments[0].length - 1);
        return [[first.left + 1, first.top + first.height / 2],
                [last.right - 1, last.top + last.height / 2]];
        """,
        passage,
    )
    actions = ActionBuilder(browser)
    actions.pointer_action.move_to_location(int(start[0]), int(start[1]))
    actions.pointer_action.pointer_down()
    actions.pointer_action.move_to_location(int(end[0]), int(end[1]))
    actions.pointer_action.pointer_up()
    actions.perform()
    assert browser.execute_script("return window.getSelection().toString()") == passage


def test_a_passage_selected_with_the_mouse_from_inside_a_highlight(admin, browser):
    map_ = services.map_create(slug="cats", title="Cats", source_text=SOURCE)
    services.statement_create(map_=map_, text="Cats suit families.", quote=PASSAGES[0])
    browser.get(f"{admin}/admin/api/argumentmap/{map_.pk}/change/")
    passage = "busy family.\nThey are quiet"  # from inside the highlighted quote, onwards
    drag_select(browser, passage)
    browser.find_element(By.ID, "argmap-quote-button").click()
    save_and_continue(browser)
    assert "was changed successfully" in success_message(browser), page_errors(browser)
    added = map_.statements.get(quote=passage)
    start = SOURCE.index(passage)
    assert (added.quote_start, added.quote_end) == (start, start + len(passage))
    assert added.text == "busy family. They are quiet"


def test_an_admin_follows_a_big_maps_deck_from_the_maps_page(admin, browser, make_map, settings):
    # The map's page offers its handout and deck; for a big map (made big here) the deck is
    # a job, and the link leads to the page that shows its progress, then the file.
    from api.models import Job
    from api.tasks import run_job

    settings.ARGMAP_JOB_MIN_STATEMENTS = 5
    made = make_map("cats", is_private=True)
    with patch.object(run_job, "delay", lambda *args, **kwargs: None):  # a busy worker
        browser.get(f"{admin}/admin/api/argumentmap/{made.pk}/change/")
        downloads = browser.find_elements(By.CSS_SELECTOR, "a.argmap-diagram-download")
        assert [a.get_attribute("textContent") for a in downloads] == ["A4 handout", "Slides"]
        click(browser, downloads[1])
        status = wait(browser).until(
            ec.visibility_of_element_located((By.CSS_SELECTOR, ".job__status"))
        )
        assert status.text == "Waiting for a worker to start it."
        run_job(str(Job.objects.get(map=made).pk))
        wait(browser).until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".job__ready a")))
    href = browser.find_element(By.CSS_SELECTOR, ".job__ready a").get_attribute("href")
    assert href.endswith("/api/maps/cats/diagram.pdf?numbers=1&page=slides&download=1")


def test_an_admin_follows_a_big_files_import_to_its_map(admin, browser, settings, tmp_path):
    # A file this big (made big here) is checked and its map made at once; a worker writes
    # its rows. The page shows how far it is, and opens the map's page once it is done.
    from api.models import Job
    from api.tasks import run_job

    settings.ARGMAP_IMPORT_JOB_MIN_STATEMENTS = 3
    upload = tmp_path / "big.argdown"
    upload.write_text(
        "[Claim]: Cats make good pets.\n  <+ [Quiet]: They are quiet.\n"
        "  <+ [Clean]: They keep clean.\n  <- [Scratch]: They scratch.\n"
    )
    with patch.object(run_job, "delay", lambda *args, **kwargs: None):  # a busy worker
        browser.get(f"{admin}/admin/api/argumentmap/import/")
        browser.find_element(By.NAME, "file").send_keys(str(upload))
        browser.find_element(By.NAME, "slug").send_keys("big")
        click(browser, browser.find_element(By.CSS_SELECTOR, "input[type=submit]"))
        status = wait(browser).until(
            ec.visibility_of_element_located((By.CSS_SELECTOR, ".import-job__status"))
        )
        assert status.text == "Waiting for a worker to start it."
        made = ArgumentMap.objects.get(slug="big")
        assert made.statements.count() == 0
        run_job(str(Job.objects.get(map=made).pk))  # the worker
        message = wait(browser).until(
            ec.visibility_of_element_located((By.CSS_SELECTOR, ".messagelist .success"))
        )
    assert browser.current_url.endswith(f"/admin/api/argumentmap/{made.pk}/change/")
    assert message.text.startswith(
        "Imported big.argdown: 4 statements and 3 links into the map “big” (big)."
    )
    assert made.statements.count() == 4
